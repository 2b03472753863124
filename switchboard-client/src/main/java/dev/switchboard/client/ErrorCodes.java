package dev.switchboard.client;

/** Turns the server's {@code {"code","message"}} into the matching exception type. */
final class ErrorCodes {
    private ErrorCodes() {
    }

    static SwitchboardException toException(String code, String message) {
        String msg = message == null ? "" : message;
        switch (code) {
            case "not_held": return new NotHeldException(msg);
            case "lease_expired": return new LeaseExpiredException(msg);
            case "limit_mismatch": return new LimitMismatchException(msg);
            case "max_locks": return new MaxLocksException(msg);
            case "max_waiters": return new MaxWaitersException(msg);
            case "already_enqueued": return new AlreadyEnqueuedException(msg);
            case "not_enqueued": return new NotEnqueuedException(msg);
            case "already_waiting": return new AlreadyWaitingException(msg);
            case "unauthorized": return new UnauthorizedException(msg);
            case "draining": return new DrainingException(msg);
            case "invalid_argument": return new InvalidArgumentException(msg);
            default: return new SwitchboardException(code, msg);
        }
    }
}
