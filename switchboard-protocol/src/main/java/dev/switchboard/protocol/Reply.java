package dev.switchboard.protocol;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The one answer to a request: a result (a JSON-like map of strings, numbers, lists and maps) or
 * an error code with a message for people. An error a responder gave to a request/reply call
 * (an application error) has {@link ErrorCode#APPLICATION} and its own code and data in
 * {@link #application()}.
 */
public record Reply(Map<String, Object> result, ErrorCode error, String message, ApplicationError application) {
    /** An application's error code: what a responder may put in {@code error.code}. */
    public static final java.util.regex.Pattern APPLICATION_CODE = java.util.regex.Pattern.compile("[a-z0-9_.-]{1,64}");

    public Reply(Map<String, Object> result, ErrorCode error, String message) {
        this(result, error, message, null);
    }

    /**
     * A responder's error.
     *
     * @param code its code ({@link #APPLICATION_CODE})
     * @param data any JSON-like value for the caller, or null
     */
    public record ApplicationError(String code, Object data) {
    }

    public static Reply ok(Map<String, Object> result) {
        return new Reply(result, null, null);
    }

    public static Reply error(ErrorCode code, String message) {
        return new Reply(null, code, message);
    }

    /** A responder's error, passed to the caller as it is; {@code code} must match {@link #APPLICATION_CODE}. */
    public static Reply applicationError(String code, String message, Object data) {
        if (code == null || !APPLICATION_CODE.matcher(code).matches()) {
            throw new IllegalArgumentException("an application error code must match " + APPLICATION_CODE.pattern());
        }
        return new Reply(null, ErrorCode.APPLICATION, message == null ? "" : message, new ApplicationError(code, data));
    }

    public boolean isError() {
        return error != null;
    }

    /** The error's code as the client sees it: the responder's own for an application error. */
    public String errorCode() {
        return application != null ? application.code() : error.wire();
    }

    /**
     * The error object of the native protocol: {@code {"code","message"}}, plus {@code data} (when
     * not null) and {@code "origin":"application"} for an application error.
     */
    public Map<String, Object> errorFields() {
        Map<String, Object> e = new LinkedHashMap<>();
        e.put("code", errorCode());
        e.put("message", message);
        if (application != null) {
            if (application.data() != null) e.put("data", application.data());
            e.put("origin", "application");
        }
        return e;
    }

    /** The {@code status} field of the result, or null. */
    public String status() {
        return result == null ? null : (String) result.get("status");
    }
}
