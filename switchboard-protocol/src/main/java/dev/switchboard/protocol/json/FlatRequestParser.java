package dev.switchboard.protocol.json;

import java.util.LinkedHashMap;
import java.util.Map;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.core.ObjectReadContext;

/**
 * Reads the common request — one flat JSON object whose values are strings, whole numbers that
 * fit a long, booleans or nulls (every lock, semaphore and signal request) — with the streaming
 * parser straight into its fields, without the object mapper's deserialization context and its
 * untyped-value deserializer. Anything else (a nested value, a decimal, a huge integer, a key
 * given twice, trailing data, bad JSON or UTF-8) is not read here: the caller parses it again
 * through the mapper, which applies the strict checks and says what is wrong in its own words, so
 * every message is accepted or refused exactly as before, with the same reason.
 */
final class FlatRequestParser {
    private FlatRequestParser() {
    }

    /** The message's fields, as the mapper would read them, or null when it is not a flat object. */
    static Map<String, Object> parse(byte[] bytes, int offset, int length) {
        try (JsonParser p = ProtocolJson.MAPPER.tokenStreamFactory()
                .createParser(ObjectReadContext.empty(), bytes, offset, length)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return null;
            }
            Map<String, Object> fields = new LinkedHashMap<>(8);
            for (String name = p.nextName(); name != null; name = p.nextName()) {
                Object value = scalar(p, p.nextToken());
                int before = fields.size();
                fields.put(name, value);
                // Not flat, or a key given twice (the mapper's reason then names it).
                if (value == NOT_FLAT || fields.size() == before) {
                    return null;
                }
            }
            // The object's end, and nothing after it.
            if (p.currentToken() != JsonToken.END_OBJECT || p.nextToken() != null) {
                return null;
            }
            return fields;
        } catch (JacksonException e) {
            return null; // the mapper says what is wrong
        }
    }

    private static final Object NOT_FLAT = new Object();

    /** The scalar at the current token, typed as the mapper types it, or {@link #NOT_FLAT}. */
    private static Object scalar(JsonParser p, JsonToken t) {
        switch (t) {
            case VALUE_STRING:
                return p.getString();
            case VALUE_NUMBER_INT:
                switch (p.getNumberType()) {
                    case INT:
                        return p.getIntValue();
                    case LONG:
                        return p.getLongValue();
                    default:
                        return NOT_FLAT;
                }
            case VALUE_TRUE:
                return Boolean.TRUE;
            case VALUE_FALSE:
                return Boolean.FALSE;
            case VALUE_NULL:
                return null;
            default:
                return NOT_FLAT;
        }
    }
}
