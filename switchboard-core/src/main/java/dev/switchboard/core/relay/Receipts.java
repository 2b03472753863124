package dev.switchboard.core.relay;

import dev.switchboard.core.session.Session;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The direct messages sent with an {@code ack_id} and not acknowledged yet, each with exactly one
 * outcome to come: acknowledged by the receiver, or undelivered when the receiver's session ends.
 * Indexed by receiver and by sender, so that either one ending takes its entries with it (no entry
 * outlives both sessions), and counted per sender for {@code --relay-max-unacknowledged}.
 * Under one lock: every change is a few map operations.
 */
final class Receipts {
    /** One unacknowledged message, as its receiver names it: the sender's peer id and the sender's ack id. */
    record Key(Session receiver, String from, String ackId) {
    }

    record Pending(Key key, Session sender, String to) {
    }

    enum Reserved { OK, DUPLICATE, TOO_MANY }

    private final Object lock = new Object();
    private final Map<Key, Pending> pending = new HashMap<>();
    private final Map<Session, Set<Key>> byReceiver = new HashMap<>();
    private final Map<Session, Set<Key>> bySender = new HashMap<>();

    Reserved reserve(Pending p, int maxPerSender) {
        synchronized (lock) {
            if (pending.containsKey(p.key())) return Reserved.DUPLICATE;
            Set<Key> sent = bySender.get(p.sender());
            if (maxPerSender > 0 && sent != null && sent.size() >= maxPerSender) return Reserved.TOO_MANY;
            pending.put(p.key(), p);
            bySender.computeIfAbsent(p.sender(), s -> new LinkedHashSet<>()).add(p.key());
            byReceiver.computeIfAbsent(p.key().receiver(), s -> new LinkedHashSet<>()).add(p.key());
            return Reserved.OK;
        }
    }

    /** Takes the entry out (acknowledged, or its message could not be handed over); null when there is none. */
    Pending remove(Key key) {
        synchronized (lock) {
            Pending p = pending.remove(key);
            if (p != null) {
                unindex(bySender, p.sender(), key);
                unindex(byReceiver, key.receiver(), key);
            }
            return p;
        }
    }

    /** A session ended: the messages it received unacknowledged (to be told undelivered); the ones it sent are forgotten. */
    List<Pending> ended(Session s) {
        List<Pending> undelivered = new ArrayList<>();
        synchronized (lock) {
            Set<Key> received = byReceiver.remove(s);
            if (received != null) {
                for (Key k : received) {
                    Pending p = pending.remove(k);
                    unindex(bySender, p.sender(), k);
                    undelivered.add(p);
                }
            }
            Set<Key> sent = bySender.remove(s);
            if (sent != null) {
                for (Key k : sent) {
                    pending.remove(k);
                    unindex(byReceiver, k.receiver(), k);
                }
            }
        }
        return undelivered;
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
