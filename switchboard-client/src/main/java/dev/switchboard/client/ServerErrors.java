package dev.switchboard.client;

import dev.switchboard.protocol.ErrorCode;

/** Turns the server's {@code {"code","message"}} into the matching exception type. */
final class ServerErrors {
    private ServerErrors() {
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
            case ALREADY_WAITING -> new AlreadyWaitingException(msg);
            case UNAUTHORIZED -> new UnauthorizedException(msg);
            case DRAINING -> new DrainingException(msg);
            case INVALID_ARGUMENT -> new InvalidArgumentException(msg);
            default -> new SwitchboardException(code, msg);
        };
    }
}
