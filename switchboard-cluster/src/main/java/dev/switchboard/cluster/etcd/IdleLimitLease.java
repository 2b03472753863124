package dev.switchboard.cluster.etcd;

import io.etcd.jetcd.Lease;
import io.etcd.jetcd.lease.LeaseGrantResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The etcd lease an idle key's {@code meta} key (its limit) is moved onto when its queue empties, so
 * that etcd forgets the limit after the lock table's GC idle time, as the in-memory engine forgets an
 * idle key when its GC collects it. Its TTL is the idle time in whole seconds plus one; one grant
 * serves every key that goes idle within the second after it, so a busy node does not grant a lease
 * per release. So an idle limit is remembered between {@code gcMaxIdle} and {@code gcMaxIdle + 1 s}
 * (at least etcd's minimum TTL). Used on the engine thread only.
 */
final class IdleLimitLease {
    private static final long REUSE_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final Lease leases;
    private final long ttlSeconds;
    private CompletableFuture<Long> current;
    private long grantedNanos;

    IdleLimitLease(Lease leases, Duration gcMaxIdle) {
        this.leases = leases;
        this.ttlSeconds = LeaseSeconds.of(gcMaxIdle.toMillis());
    }

    /** A lease with at least {@code gcMaxIdle} left (real time: etcd counts real seconds). */
    CompletableFuture<Long> id() {
        long now = System.nanoTime();
        if (current == null || current.isCompletedExceptionally() || now - grantedNanos >= REUSE_NANOS) {
            current = leases.grant(ttlSeconds).thenApply(LeaseGrantResponse::getID);
            grantedNanos = now;
        }
        return current;
    }
}
