package dev.switchboard.protocol;

import dev.switchboard.protocol.json.ProtocolJson;
import java.util.Base64;
import java.util.Map;
import tools.jackson.core.JsonGenerator;

/**
 * How a payload travels in a JSON message: {@code "payload"} holds text (a JSON string) or any
 * other JSON value, {@code "payload_b64"} holds bytes in standard base64. A message carries at
 * most one of them. Every operation that takes or sends a payload on a JSON transport goes
 * through here, so the mapping is the same everywhere.
 */
public final class PayloadFields {
    public static final String TEXT_OR_JSON = "payload";
    public static final String BASE64 = "payload_b64";

    private PayloadFields() {
    }

    /** The frame's payload; {@code invalid_argument} when it has none or both fields. */
    public static Payload read(Frame frame) {
        Payload p = readOptional(frame);
        if (p == null) {
            throw invalid(TEXT_OR_JSON + " or " + BASE64 + " is required");
        }
        return p;
    }

    /** The frame's payload, or null when it carries neither field. */
    public static Payload readOptional(Frame frame) {
        boolean value = frame.present(TEXT_OR_JSON);
        boolean base64 = frame.present(BASE64);
        if (value && base64) {
            throw invalid("send either " + TEXT_OR_JSON + " or " + BASE64 + ", not both");
        }
        if (base64) {
            Object v = frame.value(BASE64);
            if (v instanceof Payload p) {
                return p.kind() == Payload.Kind.BINARY ? p : Payload.binary(p.toByteArray());
            }
            if (!(v instanceof String s)) {
                throw invalid(BASE64 + " must be a base64 string");
            }
            try {
                return Payload.binary(Base64.getDecoder().decode(s));
            } catch (IllegalArgumentException e) {
                throw invalid(BASE64 + " is not valid base64: " + e.getMessage());
            }
        }
        if (!value) {
            return null;
        }
        return fromValue(frame.value(TEXT_OR_JSON));
    }

    /** A payload from a parsed JSON value: a string is text, anything else (null too) its JSON. */
    public static Payload fromValue(Object v) {
        if (v instanceof Payload p) {
            return p;
        }
        if (v instanceof String s) {
            return Payload.ofUtf8(s);
        }
        return Payload.json(ProtocolJson.MAPPER.writeValueAsString(v));
    }

    /** Writes the payload's field into an object being generated. */
    public static void write(Payload payload, JsonGenerator g) {
        switch (payload.kind()) {
            case TEXT -> g.writeStringProperty(TEXT_OR_JSON, payload.utf8());
            case JSON -> {
                g.writeName(TEXT_OR_JSON);
                g.writeRawValue(payload.utf8());
            }
            case BINARY -> g.writeStringProperty(BASE64, Base64.getEncoder().encodeToString(payload.toByteArray()));
        }
    }

    /** Puts the payload's field into a message built as a map (written by the object mapper). */
    public static void put(Map<String, Object> fields, Payload payload) {
        fields.put(payload.kind() == Payload.Kind.BINARY ? BASE64 : TEXT_OR_JSON, payload);
    }

    private static ProtocolException invalid(String message) {
        return new ProtocolException(ErrorCode.INVALID_ARGUMENT, message);
    }
}
