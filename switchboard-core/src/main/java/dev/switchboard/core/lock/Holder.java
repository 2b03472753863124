package dev.switchboard.core.lock;

/** One granted slot of a resource. Mutable only on its shard. */
final class Holder {
    final String token;
    final OwnerState owner;
    /**
     * The lease as a start and a length, not an absolute deadline: dflockd's longest lease
     * (9,223,372,036 s) fits in a long of nanoseconds, but start + length would not.
     */
    private long leaseStartNanos;
    private long leaseNanos;

    Holder(String token, OwnerState owner, long leaseMs, long nowNanos) {
        this.token = token;
        this.owner = owner;
        renew(leaseMs, nowNanos);
    }

    void renew(long leaseMs, long nowNanos) {
        this.leaseStartNanos = nowNanos;
        this.leaseNanos = leaseMs >= Long.MAX_VALUE / 1_000_000L ? Long.MAX_VALUE : leaseMs * 1_000_000L;
    }

    boolean expired(long nowNanos) {
        return nowNanos - leaseStartNanos >= leaseNanos;
    }

    /** What is left of the lease at {@code nowNanos}; 0 or less once it has run out. */
    long remainingNanos(long nowNanos) {
        return leaseNanos - (nowNanos - leaseStartNanos);
    }
}
