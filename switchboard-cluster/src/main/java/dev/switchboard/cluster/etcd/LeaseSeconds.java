package dev.switchboard.cluster.etcd;

/**
 * Maps a millisecond lease onto an etcd lease, which counts whole seconds: rounded up, plus one
 * second so that the node's own (millisecond) enforcement always ends the lease first and etcd's
 * copy is only the backstop for a node that died. etcd raises TTLs below its minimum (about 2 s
 * with the default election timeout) on its own; the result is capped at etcd's largest TTL.
 */
final class LeaseSeconds {
    /** etcd's MaxLeaseTTL. */
    static final long MAX = 9_000_000_000L;

    private LeaseSeconds() {
    }

    static long of(long leaseMs) {
        long whole = leaseMs / 1000 + (leaseMs % 1000 == 0 ? 0 : 1);
        return Math.min(MAX, Math.max(1, whole) + 1);
    }
}
