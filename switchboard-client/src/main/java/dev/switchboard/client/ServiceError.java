package dev.switchboard.client;

import tools.jackson.databind.JsonNode;

/**
 * An application error a {@link ServiceHandler} answers with: the caller gets an {@link RpcException}
 * with this code, message and data, marked as coming from the application.
 */
public class ServiceError extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String code;
    private final transient JsonNode data;

    /**
     * @param code    stable, for programs: 1 to 64 characters of {@code a-z 0-9 _ . -}
     * @param message for people
     * @param data    optional details, any JSON; null for none
     */
    public ServiceError(String code, String message, JsonNode data) {
        super(message);
        if (code == null || !code.matches("[a-z0-9_.-]{1,64}")) {
            throw new IllegalArgumentException("an error code is 1 to 64 characters of a-z 0-9 _ . - but was '" + code + "'");
        }
        this.code = code;
        this.data = data;
    }

    public ServiceError(String code, String message) {
        this(code, message, null);
    }

    public String code() {
        return code;
    }

    /** The details, or null. */
    public JsonNode data() {
        return data;
    }
}
