package dev.switchboard.cluster.nats;

import dev.switchboard.core.pubsub.Signal;
import dev.switchboard.core.pubsub.Subscriber;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * The members on this node of one queue group (one pattern and group name), and the choice of the
 * one that takes a message once NATS has picked this node for it, by the {@code Broker} rules:
 * members take turns; one that cannot carry the message passes its turn; a full one is skipped;
 * when every member that could carry it is full, the first of them in turn is evicted.
 *
 * <p>Members are an immutable array replaced whole on change (changes come under the owning
 * interest's lock), so choosing takes no lock.
 */
final class LocalQueueGroup {
    private volatile Subscriber[] members = new Subscriber[0];
    private final AtomicInteger turn = new AtomicInteger();

    void add(Subscriber s) {
        Subscriber[] now = members;
        Subscriber[] next = Arrays.copyOf(now, now.length + 1);
        next[now.length] = s;
        members = next;
    }

    void remove(Subscriber s) {
        members = Arrays.stream(members).filter(m -> m != s).toArray(Subscriber[]::new);
    }

    /** True when one member took the signal; {@code cannotCarry} counts a message no member's protocol can carry. */
    boolean deliver(Signal signal, LongAdder cannotCarry) {
        Subscriber[] now = members;
        if (now.length == 0) return false;
        int first = Math.floorMod(turn.getAndIncrement(), now.length);
        Subscriber full = null;
        for (int i = 0; i < now.length; i++) {
            Subscriber candidate = now[(first + i) % now.length];
            if (!candidate.accepts(signal)) continue;
            if (candidate.offer(signal)) return true;
            if (full == null) full = candidate;
        }
        if (full == null) cannotCarry.increment();
        else full.evictSlow();
        return false;
    }
}
