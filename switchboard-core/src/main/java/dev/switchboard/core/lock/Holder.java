package dev.switchboard.core.lock;

/** One granted slot of a resource. Mutable only on its shard. */
final class Holder {
    final String token;
    final LockOwner owner;
    long leaseMs;
    long expiresAtNanos;

    Holder(String token, LockOwner owner, long leaseMs, long nowNanos) {
        this.token = token;
        this.owner = owner;
        renew(leaseMs, nowNanos);
    }

    void renew(long leaseMs, long nowNanos) {
        this.leaseMs = leaseMs;
        this.expiresAtNanos = saturatedAdd(nowNanos, leaseMs);
    }

    boolean expired(long nowNanos) {
        return nowNanos - expiresAtNanos >= 0;
    }

    /** Leases beyond ~73 years are capped so that the deadline arithmetic cannot overflow. */
    private static long saturatedAdd(long nowNanos, long leaseMs) {
        long cap = Long.MAX_VALUE / 4;
        long leaseNanos = leaseMs >= cap / 1_000_000L ? cap : leaseMs * 1_000_000L;
        return nowNanos + leaseNanos;
    }
}
