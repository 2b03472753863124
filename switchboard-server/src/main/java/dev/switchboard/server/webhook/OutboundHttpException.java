package dev.switchboard.server.webhook;

/** Why an outbound HTTP request got no response to use; {@link #kind()} is for programs. */
public final class OutboundHttpException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** The ways an outbound request fails. */
    public enum Kind {
        /** The URL is not an absolute http(s) URL with a host. */
        BAD_URL,
        /** {@code maxInFlight} requests are under way already. */
        TOO_MANY_IN_FLIGHT,
        /** The host's name did not resolve, or the connection was refused, reset or timed out. */
        CONNECT_FAILED,
        /** No whole response within the request's deadline. */
        TIMEOUT,
        /** The response was longer than the limit, or not HTTP. */
        BAD_RESPONSE
    }

    private final Kind kind;

    public OutboundHttpException(Kind kind, String message) {
        super(message);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }
}
