package dev.switchboard.client;

import dev.switchboard.protocol.json.ProtocolJson;
import java.time.Duration;
import java.util.Objects;
import tools.jackson.databind.node.ObjectNode;

/** Builds the JSON messages the client sends, checking arguments before anything goes out. */
final class Messages {
    private Messages() {
    }

    static ObjectNode create(String op) {
        ObjectNode msg = ProtocolJson.MAPPER.createObjectNode();
        msg.put("op", op);
        return msg;
    }

    /** A message about {@code resource}, with its key (and the limit, for a semaphore). */
    static ObjectNode about(Resource resource, String op) {
        ObjectNode msg = create(op);
        msg.put("key", resource.key());
        // Sent on every sem.* operation, not only acquire/enqueue: harmless where the server
        // does not need it, and required by a strict reading of "same fields plus limit".
        if (resource.isSemaphore()) {
            msg.put("limit", resource.limit());
        }
        return msg;
    }

    static void putLease(ObjectNode msg, Duration lease) {
        if (lease != null) {
            long ms = lease.toMillis();
            if (ms < 1) {
                throw new IllegalArgumentException("lease must be at least 1 ms, got " + lease);
            }
            msg.put("lease_ms", ms);
        }
    }

    static long nonNegativeMillis(Duration d, String name) {
        Objects.requireNonNull(d, name);
        if (d.isNegative()) {
            throw new IllegalArgumentException(name + " must not be negative, got " + d);
        }
        return d.toMillis();
    }
}
