package dev.switchboard.core.relay;

import dev.switchboard.core.session.SessionEvent;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The outcome of a direct message sent with an {@code ack_id}, told to its sender once:
 * {@code {"op":"relay.receipt","to":<peer id>,"ack_id":<id>,"status":"acknowledged"|"undelivered","seq":n}}.
 */
public record Receipt(String to, String ackId, Status status) implements SessionEvent {
    public static final String OP = "relay.receipt";

    public enum Status {
        /** The receiver's client acknowledged the message ({@code relay.ack}). */
        ACKNOWLEDGED("acknowledged"),
        /** The receiver's session ended before acknowledging it. */
        UNDELIVERED("undelivered");

        public final String wire;

        Status(String wire) {
            this.wire = wire;
        }
    }

    @Override
    public String op() {
        return OP;
    }

    @Override
    public Map<String, Object> message(long seq) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("op", OP);
        m.put("to", to);
        m.put("ack_id", ackId);
        m.put("status", status.wire);
        if (seq > 0) m.put("seq", seq);
        return m;
    }

    @Override
    public long sizeEstimate() {
        return 96 + to.length() + ackId.length();
    }
}
