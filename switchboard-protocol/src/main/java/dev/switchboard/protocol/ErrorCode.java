package dev.switchboard.protocol;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/** Stable error codes shared by every wire protocol; {@link #wire()} is the code clients see. */
public enum ErrorCode {
    BAD_FRAME("bad_frame"),
    FRAME_TOO_LARGE("frame_too_large"),
    HELLO_REQUIRED("hello_required"),
    UNSUPPORTED_VERSION("unsupported_version"),
    UNAUTHORIZED("unauthorized"),
    ALREADY_HELLO("already_hello"),
    UNKNOWN_OP("unknown_op"),
    INVALID_ARGUMENT("invalid_argument"),
    LIMIT_MISMATCH("limit_mismatch"),
    MAX_LOCKS("max_locks"),
    MAX_WAITERS("max_waiters"),
    MAX_SUBSCRIPTIONS("max_subscriptions"),
    ALREADY_ENQUEUED("already_enqueued"),
    NOT_ENQUEUED("not_enqueued"),
    ALREADY_WAITING("already_waiting"),
    LEASE_EXPIRED("lease_expired"),
    NOT_HELD("not_held"),
    SESSION_CLOSED("session_closed"),
    CANCELLED("cancelled"),
    FENCE_PERSISTENCE("fence_persistence"),
    DRAINING("draining"),
    HEARTBEAT_TIMEOUT("heartbeat_timeout"),
    HANDSHAKE_TIMEOUT("handshake_timeout"),
    MAX_CONNECTIONS_PER_SESSION("max_connections_per_session"),
    MAX_SESSIONS("max_sessions"),
    MAX_SESSIONS_PER_IP("max_sessions_per_ip"),
    TOO_MANY_REQUESTS("too_many_requests"),
    SESSION_NOT_FOUND("session_not_found"),
    SLOW_CONSUMER("slow_consumer"),
    /** The signed token or JWT the session authenticated with expired (plus the grace) without an {@code auth.refresh}. */
    TOKEN_EXPIRED("token_expired"),
    FORBIDDEN("forbidden"),
    /** A request/reply call got no answer by its deadline. */
    TIMEOUT("timeout"),
    /** Nothing serves the name a call or an acknowledged notify was sent to. */
    NO_RESPONDERS("no_responders"),
    /** The backend serving a call went away while the call was in flight. */
    DISCONNECTED("disconnected"),
    /** The node is stopping: a new call is refused, or a call was still in flight at the shutdown deadline. */
    SHUTTING_DOWN("shutting_down"),
    /** A response to a call that has already ended (timed out, caller gone) or was never sent to this backend. */
    UNKNOWN_REQUEST("unknown_request"),
    /** A webhook serving a call answered with an error status or an unusable body, or could not be reached. */
    WEBHOOK_FAILED("webhook_failed"),
    /**
     * Marks an error given by a responder, not by the server: on the wire its code is the
     * responder's own ({@link Reply#application()}) and the error carries {@code "origin":"application"}.
     */
    APPLICATION("application"),
    /** A direct message was sent to a peer id that no session answers to now. */
    PEER_NOT_FOUND("peer_not_found"),
    /** A newer session took this session's peer id (newest wins): this one is closed. */
    REPLACED("replaced"),
    INTERNAL("internal");

    private static final Map<String, ErrorCode> BY_WIRE = new HashMap<>();

    static {
        for (ErrorCode code : values()) {
            BY_WIRE.put(code.wire, code);
        }
    }

    private final String wire;

    ErrorCode(String wire) {
        this.wire = wire;
    }

    public String wire() {
        return wire;
    }

    /** The code with this wire name; empty for a code this version does not know. */
    public static Optional<ErrorCode> fromWire(String wire) {
        return Optional.ofNullable(BY_WIRE.get(wire));
    }
}
