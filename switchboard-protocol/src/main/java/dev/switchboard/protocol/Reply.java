package dev.switchboard.protocol;

import java.util.Map;

/**
 * The one answer to a request: a result (a JSON-like map of strings, numbers, lists and maps) or
 * an error code with a message for people.
 */
public record Reply(Map<String, Object> result, ErrorCode error, String message) {
    public static Reply ok(Map<String, Object> result) {
        return new Reply(result, null, null);
    }

    public static Reply error(ErrorCode code, String message) {
        return new Reply(null, code, message);
    }

    public boolean isError() {
        return error != null;
    }

    /** The {@code status} field of the result, or null. */
    public String status() {
        return result == null ? null : (String) result.get("status");
    }
}
