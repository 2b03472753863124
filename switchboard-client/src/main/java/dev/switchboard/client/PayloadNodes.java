package dev.switchboard.client;

import dev.switchboard.protocol.Payload;
import dev.switchboard.protocol.PayloadFields;
import java.util.Base64;
import tools.jackson.databind.JsonNode;

/** Reads the payload of a message the server sent (see {@link PayloadFields} for the mapping). */
final class PayloadNodes {
    private PayloadNodes() {
    }

    /** The message's payload, or null when it carries none. */
    static Payload read(JsonNode msg) {
        JsonNode b64 = msg.get(PayloadFields.BASE64);
        if (b64 != null && b64.isString()) {
            try {
                return Payload.binary(Base64.getDecoder().decode(b64.stringValue()));
            } catch (IllegalArgumentException e) {
                throw new SwitchboardException("bad_frame", "the server sent payload_b64 that is not base64");
            }
        }
        JsonNode v = msg.get(PayloadFields.TEXT_OR_JSON);
        if (v == null) {
            return null;
        }
        return v.isString() ? Payload.ofUtf8(v.stringValue()) : PayloadFields.fromValue(v);
    }

    /** As {@link #read}, an empty text payload when the message has none. */
    static Payload readOrEmpty(JsonNode msg) {
        Payload p = read(msg);
        return p != null ? p : Payload.ofUtf8("");
    }
}
