package dev.switchboard.core.relay;

import dev.switchboard.core.session.PayloadEvent;
import dev.switchboard.protocol.Payload;
import dev.switchboard.protocol.PayloadFields;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A direct message as its receiver sees it: {@code {"op":"relay.message","from":<peer id>,
 * "payload"|"payload_b64":...,"seq":n}}. The sender's peer id is set by the server, never taken
 * from the sender's request, so a receiver can trust it as far as it trusts the sender's
 * authentication.
 */
public record DirectMessage(String from, Payload payload, String ackId) implements PayloadEvent {
    public static final String OP = "relay.message";

    /** A message sent without asking for a receipt. */
    public DirectMessage(String from, Payload payload) {
        this(from, payload, null);
    }

    @Override
    public String op() {
        return OP;
    }

    @Override
    public Map<String, Object> message(long seq) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("op", OP);
        m.put("from", from);
        if (ackId != null) m.put("ack_id", ackId);
        PayloadFields.put(m, payload);
        if (seq > 0) m.put("seq", seq);
        return m;
    }

    /** Keys, quotes and separators, the sender's id, the payload (base64 grows it by a third) and a 20-digit seq. */
    @Override
    public long sizeEstimate() {
        return 64 + from.length() + (ackId == null ? 0 : 12 + ackId.length()) + payload.size() * 4L / 3;
    }
}
