package dev.switchboard.client;

import tools.jackson.databind.JsonNode;

/**
 * A request did not get a result: the service answered with an application error
 * ({@link #isApplicationError()}, with its {@link #data()}), or the server ended the call
 * ({@code timeout}, {@code no_responders}, {@code disconnected}, {@code shutting_down},
 * {@code internal} when an in-process handler failed).
 */
public class RpcException extends SwitchboardException {
    private static final long serialVersionUID = 1L;

    private final boolean application;
    private final transient JsonNode data;

    public RpcException(String code, String message, boolean application, JsonNode data) {
        super(code, message);
        this.application = application;
        this.data = data;
    }

    /** True when the service itself answered with this error; false when the server ended the call. */
    public boolean isApplicationError() {
        return application;
    }

    /** The details the service gave, or null. */
    public JsonNode data() {
        return data;
    }
}
