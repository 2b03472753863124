package dev.switchboard.client;

import dev.switchboard.protocol.json.ProtocolJson;
import java.time.Duration;
import java.util.Objects;
import tools.jackson.databind.node.ObjectNode;

/** Builds the JSON messages the client sends, checking arguments before anything goes out. */
final class Messages {
    private Messages() {
    }

    /** A message built as a tree, for the handshake and the rarer operations (locks use {@link LockMessage}). */
    static ObjectNode create(String op) {
        ObjectNode msg = ProtocolJson.MAPPER.createObjectNode();
        msg.put("op", op);
        return msg;
    }

    /** A message with no field but its {@code op} (and the id the connection gives it). */
    static Outgoing bare(String op) {
        return Outgoing.of(create(op));
    }

    static long leaseMillis(Duration lease) {
        long ms = lease.toMillis();
        if (ms < 1) {
            throw new IllegalArgumentException("lease must be at least 1 ms, got " + lease);
        }
        return ms;
    }

    static long nonNegativeMillis(Duration d, String name) {
        Objects.requireNonNull(d, name);
        if (d.isNegative()) {
            throw new IllegalArgumentException(name + " must not be negative, got " + d);
        }
        return d.toMillis();
    }
}
