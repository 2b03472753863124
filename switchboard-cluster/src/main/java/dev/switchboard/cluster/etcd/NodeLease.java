package dev.switchboard.cluster.etcd;

import io.etcd.jetcd.Lease;
import io.etcd.jetcd.lease.LeaseGrantResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node-wide etcd lease every waiting key hangs on, granted on first need and kept alive in
 * real time (etcd counts real seconds, whatever clock the node's timers follow). When a keepalive
 * has not succeeded for a whole TTL, etcd has dropped the lease and the keys on it: the engine is
 * told ({@code onLost}) and the next waiter gets a new lease.
 */
final class NodeLease {
    private static final Logger log = LoggerFactory.getLogger(NodeLease.class);

    private final Lease leases;
    private final long ttlSeconds;
    private final Duration callTimeout;
    private final LongConsumer onLost;
    private final ScheduledExecutorService keepalive;
    private CompletableFuture<Long> current; // guarded by this
    private long lastKeptNanos; // guarded by this

    NodeLease(Lease leases, String nodeId, long ttlSeconds, Duration callTimeout, LongConsumer onLost) {
        this.leases = leases;
        this.ttlSeconds = ttlSeconds;
        this.callTimeout = callTimeout;
        this.onLost = onLost;
        this.keepalive = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "etcd-node-lease-" + nodeId);
            t.setDaemon(true);
            return t;
        });
        long periodMs = Math.max(200, ttlSeconds * 1000 / 3);
        keepalive.scheduleWithFixedDelay(this::keepAlive, periodMs, periodMs, TimeUnit.MILLISECONDS);
    }

    /** The lease id, granting a lease first when there is none (or the last grant failed). */
    synchronized CompletableFuture<Long> id() {
        if (current == null || current.isCompletedExceptionally()) {
            current = leases.grant(ttlSeconds).orTimeout(callTimeout.toMillis(), TimeUnit.MILLISECONDS)
                    .thenApply(LeaseGrantResponse::getID);
            lastKeptNanos = System.nanoTime();
        }
        return current;
    }

    private void keepAlive() {
        CompletableFuture<Long> lease;
        synchronized (this) {
            lease = current;
        }
        if (lease == null || !lease.isDone() || lease.isCompletedExceptionally()) return;
        long id = lease.join();
        leases.keepAliveOnce(id).orTimeout(callTimeout.toMillis(), TimeUnit.MILLISECONDS).whenComplete((r, e) -> {
            boolean alive = e == null && r.getTTL() > 0;
            boolean lost;
            synchronized (this) {
                if (current != lease) return;
                if (alive) lastKeptNanos = System.nanoTime();
                lost = (e == null && r.getTTL() <= 0)
                        || System.nanoTime() - lastKeptNanos >= TimeUnit.SECONDS.toNanos(ttlSeconds);
                if (lost) current = null;
            }
            if (lost) {
                log.warn("the node's etcd lease {} could not be kept alive; its waiters are gone", Long.toHexString(id), e);
                onLost.accept(id);
            }
        });
    }

    /** Gives the lease back (every waiting key on it goes at once), waiting up to the call timeout. */
    void revoke() {
        CompletableFuture<Long> lease;
        synchronized (this) {
            lease = current;
            current = null;
        }
        keepalive.shutdownNow();
        if (lease == null || !lease.isDone() || lease.isCompletedExceptionally()) return;
        try {
            leases.revoke(lease.join()).get(callTimeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            log.warn("could not revoke the node's etcd lease; its keys go when it runs out", e);
        }
    }

    /** Stops keeping the lease alive without giving it back, as a dead node would. */
    void abandon() {
        keepalive.shutdownNow();
    }
}
