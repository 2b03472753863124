package dev.switchboard.core.lock;

/** The one outcome of a lock operation. */
public record LockOutcome(Status status, String token, long leaseMs, LockError error) {
    public enum Status {
        /** Holding now: token and lease are set. */
        ACQUIRED,
        /** Enqueued behind others (two-phase). */
        QUEUED,
        /** The wait ran out; nothing is held and nothing stays queued. */
        TIMEOUT,
        /** The lease was renewed: {@code leaseMs} is the lease now applied. */
        RENEWED,
        RELEASED,
        FAILED
    }

    private static final LockOutcome QUEUED_OUTCOME = new LockOutcome(Status.QUEUED, null, 0, null);
    private static final LockOutcome TIMEOUT_OUTCOME = new LockOutcome(Status.TIMEOUT, null, 0, null);
    private static final LockOutcome RELEASED_OUTCOME = new LockOutcome(Status.RELEASED, null, 0, null);

    public static LockOutcome acquired(String token, long leaseMs) {
        return new LockOutcome(Status.ACQUIRED, token, leaseMs, null);
    }

    public static LockOutcome queued() {
        return QUEUED_OUTCOME;
    }

    public static LockOutcome timeout() {
        return TIMEOUT_OUTCOME;
    }

    public static LockOutcome renewed(long leaseMs) {
        return new LockOutcome(Status.RENEWED, null, leaseMs, null);
    }

    public static LockOutcome released() {
        return RELEASED_OUTCOME;
    }

    public static LockOutcome failed(LockError error) {
        return new LockOutcome(Status.FAILED, null, 0, error);
    }

    public boolean isFailure() {
        return status == Status.FAILED;
    }
}
