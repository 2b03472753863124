package dev.switchboard.core.session;

/** Why a session ended: what the embedding API's session-closed hook is told. */
public enum SessionEnd {
    /** Its grace period ran out with no connection resuming it. */
    EXPIRED("expired"),
    /** Its client asked ({@code session.close}, or {@code DELETE} of an HTTP session). */
    CLOSED_BY_CLIENT("closed_by_client"),
    /** The server ended it: the embedding program, an admin, or a node's own decision. */
    CLOSED_BY_SERVER("closed_by_server"),
    /** An idle-timed (HTTP) session went unused for too long. */
    IDLE_TIMEOUT("idle_timeout"),
    /** A connection-bound session (dflockd) ended with its connection. */
    CONNECTION_ENDED("connection_ended"),
    /** A newer session authenticated as the same peer id (newest wins). */
    REPLACED("replaced"),
    /** The token its client authenticated with expired, and no refresh came within the grace. */
    TOKEN_EXPIRED("token_expired");

    private final String wire;

    SessionEnd(String wire) {
        this.wire = wire;
    }

    /** The reason as logs and metrics name it. */
    public String wire() {
        return wire;
    }
}
