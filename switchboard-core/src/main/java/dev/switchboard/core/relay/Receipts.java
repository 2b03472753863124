package dev.switchboard.core.relay;

import dev.switchboard.core.session.Session;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * The direct messages sent with an {@code ack_id} and not acknowledged yet, each with exactly one
 * outcome to come: acknowledged by the receiver, or undelivered when the receiver's session ends.
 * Indexed by receiver and by sender, so that either one ending takes its entries with it (no entry
 * outlives both sessions), and counted per sender for {@code --relay-max-unacknowledged}.
 * Under one lock: every change is a few map operations.
 *
 * <p>In a cluster one side may be on another node. A sender here whose receiver is elsewhere has
 * an entry keyed by {@link Elsewhere} (the receiver's node tells the outcome back; {@code forget}
 * tells that node when the sender goes); a receiver here whose sender is elsewhere has an entry
 * without a sender session, whose outcome goes to {@code remote} (the sender's node bounds those).
 */
final class Receipts {
    /**
     * One unacknowledged message, as its receiver names it: the sender's peer id and the sender's
     * ack id. {@code receiver} is the receiving {@link Session}, or {@link Elsewhere} for a peer on another node.
     */
    record Key(Object receiver, String from, String ackId) {
    }

    /** A receiver on another node, by its peer id. */
    record Elsewhere(String peerId) {
    }

    /**
     * @param sender the sending session here; null when the sender is on another node
     * @param remote where the outcome goes when the sender is on another node; null otherwise
     * @param forget for a receiver on another node: tells that node the sender went (set once sent)
     */
    record Pending(Key key, Session sender, String to, Consumer<Receipt.Status> remote,
                   AtomicReference<Runnable> forget) {
        Pending(Key key, Session sender, String to) {
            this(key, sender, to, null, new AtomicReference<>());
        }

        /** The one outcome, to the sender's session or back to the sender's node. */
        void tell(Receipt.Status status) {
            if (remote != null) {
                remote.accept(status);
            } else {
                sender.emit(new Receipt(to, key.ackId(), status));
            }
        }
    }

    /** What a session's end settled: messages it received (now undelivered), and messages it sent (forgotten). */
    record Ended(List<Pending> undelivered, List<Pending> forgotten) {
    }

    enum Reserved { OK, DUPLICATE, TOO_MANY }

    private final Object lock = new Object();
    private final Map<Key, Pending> pending = new HashMap<>();
    private final Map<Session, Set<Key>> byReceiver = new HashMap<>();
    private final Map<Session, Set<Key>> bySender = new HashMap<>();

    Reserved reserve(Pending p, int maxPerSender) {
        synchronized (lock) {
            if (pending.containsKey(p.key())) return Reserved.DUPLICATE;
            Set<Key> sent = p.sender() == null ? null : bySender.get(p.sender());
            if (maxPerSender > 0 && sent != null && sent.size() >= maxPerSender) return Reserved.TOO_MANY;
            pending.put(p.key(), p);
            if (p.sender() != null) bySender.computeIfAbsent(p.sender(), s -> new LinkedHashSet<>()).add(p.key());
            if (p.key().receiver() instanceof Session r) byReceiver.computeIfAbsent(r, s -> new LinkedHashSet<>()).add(p.key());
            return Reserved.OK;
        }
    }

    /** Takes the entry out (acknowledged, or its message could not be handed over); null when there is none. */
    Pending remove(Key key) {
        synchronized (lock) {
            Pending p = pending.remove(key);
            if (p != null) unindexBoth(p);
            return p;
        }
    }

    /** Takes out the entry {@code p} itself, not a later one under the same key; false when it is gone. */
    boolean removeExactly(Pending p) {
        synchronized (lock) {
            if (!pending.remove(p.key(), p)) return false;
            unindexBoth(p);
            return true;
        }
    }

    /** A session ended: the messages it received unacknowledged (to be told undelivered); the ones it sent are forgotten. */
    Ended ended(Session s) {
        List<Pending> undelivered = new ArrayList<>();
        List<Pending> forgotten = new ArrayList<>();
        synchronized (lock) {
            Set<Key> received = byReceiver.remove(s);
            if (received != null) {
                for (Key k : received) {
                    Pending p = pending.remove(k);
                    if (p.sender() != null) unindex(bySender, p.sender(), k);
                    undelivered.add(p);
                }
            }
            Set<Key> sent = bySender.remove(s);
            if (sent != null) {
                for (Key k : sent) {
                    forgotten.add(pending.remove(k));
                    if (k.receiver() instanceof Session r) unindex(byReceiver, r, k);
                }
            }
        }
        return new Ended(undelivered, forgotten);
    }

    private void unindexBoth(Pending p) {
        if (p.sender() != null) unindex(bySender, p.sender(), p.key());
        if (p.key().receiver() instanceof Session r) unindex(byReceiver, r, p.key());
    }

    int size() {
        synchronized (lock) {
            return pending.size();
        }
    }

    private static void unindex(Map<Session, Set<Key>> index, Session s, Key k) {
        Set<Key> keys = index.get(s);
        if (keys != null && keys.remove(k) && keys.isEmpty()) index.remove(s);
    }
}
