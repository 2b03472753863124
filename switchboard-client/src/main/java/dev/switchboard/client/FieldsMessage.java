package dev.switchboard.client;

import dev.switchboard.protocol.Payload;
import dev.switchboard.protocol.PayloadFields;
import java.util.LinkedHashMap;
import java.util.Map;
import tools.jackson.core.JsonGenerator;

/**
 * A message of named fields and at most one payload, for the messaging operations: the fields are
 * written as JSON values, the payload as {@link PayloadFields} maps it (text, a JSON value, or
 * base64 bytes), in one pass into the outgoing buffer.
 */
final class FieldsMessage implements Outgoing {
    private final String op;
    private final Map<String, Object> fields = new LinkedHashMap<>();
    private Payload payload;

    FieldsMessage(String op) {
        this.op = op;
    }

    /** Adds a field; a null value is left out. */
    FieldsMessage put(String name, Object value) {
        if (value != null) {
            fields.put(name, value);
        }
        return this;
    }

    FieldsMessage payload(Payload p) {
        this.payload = p;
        return this;
    }

    @Override
    public String op() {
        return op;
    }

    @Override
    public void writeFields(JsonGenerator g) {
        for (Map.Entry<String, Object> e : fields.entrySet()) {
            g.writeName(e.getKey());
            g.writePOJO(e.getValue());
        }
        if (payload != null) {
            PayloadFields.write(payload, g);
        }
    }
}
