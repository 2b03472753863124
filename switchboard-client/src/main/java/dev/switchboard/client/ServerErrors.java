package dev.switchboard.client;

import dev.switchboard.protocol.ErrorCode;
import java.util.Set;
import tools.jackson.databind.JsonNode;

/** Turns the server's {@code {"code","message"}} into the matching exception type. */
final class ServerErrors {
    private ServerErrors() {
    }

    /** The ways the server ends a call that got no result from a service (besides an application error). */
    private static final Set<String> CALL_OUTCOMES = Set.of("timeout", "no_responders", "disconnected",
            "shutting_down", "webhook_failed");

    /** The exception for an {@code error} object: an {@link RpcException} for a call's outcome. */
    static SwitchboardException toException(JsonNode err) {
        String code = text(err.get("code"), "unknown");
        String message = text(err.get("message"), "");
        boolean application = "application".equals(text(err.get("origin"), ""));
        if (application || CALL_OUTCOMES.contains(code)) {
            JsonNode data = err.get("data");
            return new RpcException(code, message, application, data == null || data.isNull() ? null : data);
        }
        return toException(code, message);
    }

    private static String text(JsonNode node, String fallback) {
        return node != null && node.isString() ? node.stringValue() : fallback;
    }

    static SwitchboardException toException(String code, String message) {
        String msg = message == null ? "" : message;
        // A code this client does not know (a newer server's) still reaches the caller, untyped.
        ErrorCode known = ErrorCode.fromWire(code).orElse(null);
        if (known == null) {
            return new SwitchboardException(code, msg);
        }
        return switch (known) {
            case NOT_HELD -> new NotHeldException(msg);
            case LEASE_EXPIRED -> new LeaseExpiredException(msg);
            case LIMIT_MISMATCH -> new LimitMismatchException(msg);
            case MAX_LOCKS -> new MaxLocksException(msg);
            case MAX_WAITERS -> new MaxWaitersException(msg);
            case ALREADY_ENQUEUED -> new AlreadyEnqueuedException(msg);
            case NOT_ENQUEUED -> new NotEnqueuedException(msg);
            case CANCELLED -> new WaitCancelledException(msg);
            case ALREADY_WAITING -> new AlreadyWaitingException(msg);
            case UNAUTHORIZED -> new UnauthorizedException(msg);
            case DRAINING -> new DrainingException(msg);
            case INVALID_ARGUMENT -> new InvalidArgumentException(msg);
            case PEER_NOT_FOUND -> new PeerNotFoundException(msg);
            default -> new SwitchboardException(code, msg);
        };
    }
}
