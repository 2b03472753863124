package dev.switchboard.core.lock;

/** Why a lock operation failed. Timeouts are outcomes, not errors. */
public enum LockError {
    LIMIT_MISMATCH("the key exists with a different limit"),
    MAX_LOCKS("max locks reached"),
    MAX_WAITERS("max waiters reached for this key"),
    ALREADY_ENQUEUED("already enqueued on this key"),
    NOT_ENQUEUED("not enqueued on this key"),
    ALREADY_WAITING("a wait on this key is already pending"),
    LEASE_EXPIRED("the lease has expired"),
    NOT_HELD("the token holds nothing on this key"),
    OWNER_CLOSED("the session has ended"),
    CANCELLED("the wait was cancelled"),
    FENCE_PERSISTENCE("the fence state could not be persisted"),
    BUSY("too many lock requests are queued on this key's shard; retry later");

    private final String message;

    LockError(String message) {
        this.message = message;
    }

    public String message() {
        return message;
    }
}
