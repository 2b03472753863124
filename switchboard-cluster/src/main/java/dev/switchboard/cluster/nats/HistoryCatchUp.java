package dev.switchboard.cluster.nats;

import dev.switchboard.core.pubsub.Signal;
import dev.switchboard.core.pubsub.Subscriber;
import dev.switchboard.protocol.Payload;
import java.util.ArrayList;
import java.util.List;

/**
 * A subscriber's place in the local fan-out of one topic it subscribed to from an offset. While
 * its backlog is read from JetStream, live messages of the topic are held here, in arrival order;
 * then the held ones the backlog did not contain are handed on, and from then on every live message
 * passes, except one at or below the backlog's last offset: its copy from the publishing node can
 * arrive after the backlog was read (it is stored before it is sent), and the subscriber has it.
 * So the subscriber sees each message once, backlog first. At most {@code max} are held: past
 * that the subscriber is as slow as one whose buffer is full.
 */
final class HistoryCatchUp implements Subscriber {
    private final Subscriber target;
    private final int max;
    private final List<Signal> held = new ArrayList<>();
    private boolean overflowed;
    /** Set once the backlog is delivered: messages pass, those at or below {@code floor} dropped. */
    private boolean live;
    private long floor;

    HistoryCatchUp(Subscriber target, int max) {
        this.target = target;
        this.max = max;
    }

    @Override
    public synchronized boolean offer(Signal signal) {
        if (live) return signal.position().offset() <= floor || target.offer(signal);
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

    /**
     * Hands the held messages after {@code afterOffset} to the subscriber (none when
     * {@code handHeld} is false: it was evicted) and lets later ones through, but those at or below
     * {@code afterOffset}.
     */
    synchronized void release(long afterOffset, boolean handHeld) {
        live = true;
        floor = afterOffset;
        if (overflowed || !handHeld) {
            held.clear();
            return;
        }
        for (Signal s : held) {
            if (s.position().offset() <= afterOffset) continue;
            if (!target.offer(s)) {
                target.evictSlow();
                break;
            }
        }
        held.clear();
    }
}
