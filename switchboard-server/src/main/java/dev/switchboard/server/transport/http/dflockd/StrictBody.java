package dev.switchboard.server.transport.http.dflockd;

import dev.switchboard.server.transport.JsonSupport;
import java.math.BigInteger;
import java.util.Map;
import java.util.Set;
import tools.jackson.core.JacksonException;

/**
 * Request bodies read as dflockd reads them: exactly one JSON object, no unknown fields, integers
 * where integers are expected. A null field counts as absent; of a field given twice the last
 * counts, as in Go. Failures are {@link BadRequest}.
 */
final class StrictBody {
    /** A request the API refuses with {@code 400 bad_request} and this detail. */
    static final class BadRequest extends RuntimeException {
        private static final long serialVersionUID = 1L;

        BadRequest(String detail) {
            super(detail, null, false, false);
        }
    }

    private final Map<String, Object> fields;

    private StrictBody(Map<String, Object> fields) {
        this.fields = fields;
    }

    static StrictBody parse(byte[] body, Set<String> allowed, boolean optional) {
        if (isBlank(body)) {
            if (optional) return new StrictBody(Map.of());
            throw new BadRequest("request body required");
        }
        Object value;
        try {
            value = JsonSupport.LAST_DUPLICATE_WINS.readValue(body, Object.class);
        } catch (JacksonException e) {
            throw new BadRequest("invalid JSON body: " + e.getOriginalMessage());
        }
        if (value == null) return new StrictBody(Map.of()); // Go's decoder takes null as an empty object
        if (!(value instanceof Map<?, ?> map)) throw new BadRequest("body must be a JSON object");
        for (Object k : map.keySet()) {
            if (!allowed.contains(k)) throw new BadRequest("unknown field \"" + k + "\"");
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> fields = (Map<String, Object>) map;
        return new StrictBody(fields);
    }

    /** An integer field in {@code [min, max]}, or {@code fallback} when absent. */
    long integer(String name, long min, long max, long fallback) {
        Object v = fields.get(name);
        if (v == null) return fallback;
        if (!(v instanceof Integer || v instanceof Long || v instanceof BigInteger)) {
            throw new BadRequest(name + " must be an integer");
        }
        if (v instanceof BigInteger || ((Number) v).longValue() < min || ((Number) v).longValue() > max) {
            throw new BadRequest(name + " must be between " + min + " and " + max);
        }
        return ((Number) v).longValue();
    }

    String string(String name) {
        Object v = fields.get(name);
        if (v == null) return null;
        if (!(v instanceof String s)) throw new BadRequest(name + " must be a string");
        return s;
    }

    private static boolean isBlank(byte[] body) {
        for (byte b : body) {
            if (b != ' ' && b != '\t' && b != '\r' && b != '\n') return false;
        }
        return true;
    }
}
