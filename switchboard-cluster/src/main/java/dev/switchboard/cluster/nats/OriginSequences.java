package dev.switchboard.cluster.nats;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Which publications of each other node this node has fanned out to its plain subscribers, so
 * that it does so once per publication although NATS hands it one copy per matching subscription
 * (a node listening on {@code a.*} and {@code a.>} gets two copies of a message on {@code a.b}).
 *
 * <p>Why a last sequence number per origin is enough: each node publishes on one NATS connection
 * with increasing sequence numbers, and NATS delivers one publisher's messages to a subscriber
 * connection in order, every copy of a message before any copy of the next. So a copy whose number
 * is not above the last one fanned out from its origin is an extra copy. An origin is a node
 * <em>instance</em> (a restart gets a new one), so numbers never go back.
 *
 * <p>Bounded: at most {@code maxOrigins} instances are remembered, the least recently heard from
 * forgotten first (a forgotten origin's next copy is taken as new: at worst one duplicate). Used
 * from the broker's one NATS dispatcher thread only, hence no locking.
 */
final class OriginSequences {
    private final Map<String, Long> last;

    OriginSequences(int maxOrigins) {
        this.last = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Long> eldest) {
                return size() > maxOrigins;
            }
        };
    }

    /** True the first time {@code sequence} (or a later one) of {@code origin} is seen; false for an extra copy. */
    boolean firstCopy(String origin, long sequence) {
        Long previous = last.get(origin);
        if (previous != null && sequence <= previous) return false;
        last.put(origin, sequence);
        return true;
    }

    int size() {
        return last.size();
    }
}
