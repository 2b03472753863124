package dev.switchboard.cluster.nats;

import dev.switchboard.core.pubsub.Signal;
import dev.switchboard.core.pubsub.Subscriber;
import dev.switchboard.protocol.Payload;
import java.util.ArrayList;
import java.util.List;

/**
 * Stands in for a subscriber in the local fan-out while its backlog is read from JetStream: live
 * messages of the topic are held here, in arrival order, and handed on after the backlog (those
 * the backlog already held dropped), so the subscriber sees each message once, backlog first.
 * At most {@code max} are held: past that the subscriber is as slow as one whose buffer is full.
 */
final class HistoryCatchUp implements Subscriber {
    private final Subscriber target;
    private final int max;
    private final List<Signal> held = new ArrayList<>();
    private boolean overflowed;

    HistoryCatchUp(Subscriber target, int max) {
        this.target = target;
        this.max = max;
    }

    @Override
    public synchronized boolean offer(Signal signal) {
        if (held.size() >= max) {
            overflowed = true;
            return false;
        }
        held.add(signal);
        return true;
    }

    @Override
    public boolean offer(String channel, Payload payload) {
        return offer(new Signal(channel, payload));
    }

    @Override
    public boolean accepts(Signal signal) {
        return target.accepts(signal);
    }

    @Override
    public String peerId() {
        return target.peerId();
    }

    @Override
    public void evictSlow() {
        target.evictSlow();
    }

    /** Hands the held messages after {@code afterOffset} to the subscriber; false when it refused one (then evicted). */
    synchronized boolean release(long afterOffset) {
        if (overflowed) return false;
        for (Signal s : held) {
            if (s.position().offset() <= afterOffset) continue;
            if (!target.offer(s)) {
                target.evictSlow();
                return false;
            }
        }
        held.clear();
        return true;
    }
}
