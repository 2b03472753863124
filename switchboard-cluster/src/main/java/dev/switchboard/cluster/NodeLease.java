package dev.switchboard.cluster;

import io.etcd.jetcd.Client;
import io.etcd.jetcd.Lease;
import io.etcd.jetcd.common.exception.ClosedClientException;
import io.etcd.jetcd.lease.LeaseGrantResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's one etcd lease, shared by every engine that leaves keys which must go when the node
 * does (the lock engine's waiting keys, the peer directory's peer keys): granted on first need and
 * kept alive from one thread, every third of its TTL, in real time (etcd counts real seconds,
 * whatever clock the node's timers follow).
 *
 * <p><b>Failure.</b> When no keepalive has succeeded for a whole TTL (or etcd says the lease is
 * gone), etcd has dropped the lease and every key on it. This is logged once, here, and each
 * {@link Listener} hears {@link Listener#lost lost}; a new lease is granted at once (retried every
 * 500 ms until etcd answers) and the listeners hear {@link Listener#renewed renewed} with its id,
 * so that an engine that keeps keys for live things (peers) writes them again. Once the etcd client
 * is closed (the node is going away) nothing is retried.
 *
 * <p>In a node, {@code ClusterEngines} owns it and gives it back ({@link #close}) after its engines
 * closed; an engine made on its own (in tests) owns one of its own.
 */
public final class NodeLease implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(NodeLease.class);
    private static final long REGRANT_RETRY_MS = 500;

    /** What an engine using the lease hears; called on the lease's thread or an etcd thread. */
    public interface Listener {
        /** etcd dropped the lease and the keys on it. */
        void lost(long leaseId);

        /** A new lease replaced a lost one; {@link #id} answers it from now on. */
        default void renewed(long leaseId) {
        }
    }

    private final Lease leases;
    private final long ttlSeconds;
    private final Duration callTimeout;
    private final ScheduledExecutorService keepalive;
    private final List<Listener> listeners = new CopyOnWriteArrayList<>();
    private CompletableFuture<Long> current; // guarded by this
    private long lastKeptNanos; // guarded by this
    private boolean replacing; // guarded by this: the grant in flight replaces a lost lease
    private volatile long currentId;
    private volatile boolean stopped;

    public NodeLease(Client etcd, String nodeId, long ttlSeconds, Duration callTimeout) {
        this.leases = etcd.getLeaseClient();
        this.ttlSeconds = ttlSeconds;
        this.callTimeout = callTimeout;
        this.keepalive = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "etcd-node-lease-" + nodeId);
            t.setDaemon(true);
            return t;
        });
        long periodMs = Math.max(200, ttlSeconds * 1000 / 3);
        keepalive.scheduleWithFixedDelay(this::keepAlive, periodMs, periodMs, TimeUnit.MILLISECONDS);
    }

    /** Tells {@code listener} of losses and renewals until the returned handle is closed. */
    public AutoCloseable listen(Listener listener) {
        listeners.add(listener);
        return () -> listeners.remove(listener);
    }

    /** The lease id, granting a lease first when there is none (or the last grant failed). */
    public synchronized CompletableFuture<Long> id() {
        if (current == null || current.isCompletedExceptionally()) {
            CompletableFuture<Long> grant = leases.grant(ttlSeconds).orTimeout(callTimeout.toMillis(), TimeUnit.MILLISECONDS)
                    .thenApply(LeaseGrantResponse::getID);
            current = grant;
            lastKeptNanos = System.nanoTime();
            grant.whenComplete((id, e) -> granted(grant, id, e));
        }
        return current;
    }

    /** The id of the last lease granted (0 before the first): for writes that cannot wait for a grant. */
    public long currentId() {
        return currentId;
    }

    private void granted(CompletableFuture<Long> grant, Long id, Throwable e) {
        boolean renewal;
        synchronized (this) {
            if (current != grant || stopped) return;
            if (e != null) {
                if (replacing && !clientClosed(e)) schedule(this::id); // a lost lease is replaced until etcd answers
                return;
            }
            currentId = id;
            renewal = replacing;
            replacing = false;
        }
        if (renewal) listeners.forEach(l -> l.renewed(id));
    }

    private void keepAlive() {
        CompletableFuture<Long> lease;
        synchronized (this) {
            lease = current;
        }
        if (lease == null || !lease.isDone() || lease.isCompletedExceptionally()) return;
        long id = lease.join();
        leases.keepAliveOnce(id).orTimeout(callTimeout.toMillis(), TimeUnit.MILLISECONDS).whenComplete((r, e) -> {
            if (e != null && clientClosed(e)) return; // the node is going away
            boolean alive = e == null && r.getTTL() > 0;
            boolean lost;
            synchronized (this) {
                if (current != lease || stopped) return;
                if (alive) lastKeptNanos = System.nanoTime();
                lost = (e == null && r.getTTL() <= 0)
                        || System.nanoTime() - lastKeptNanos >= TimeUnit.SECONDS.toNanos(ttlSeconds);
                if (lost) {
                    current = null;
                    replacing = true;
                }
            }
            if (lost) {
                log.warn("the node's etcd lease {} could not be kept alive; its keys are gone, granting a new one",
                        Long.toHexString(id), e);
                listeners.forEach(l -> l.lost(id));
                schedule(this::id);
            }
        });
    }

    private void schedule(Runnable task) {
        try {
            keepalive.schedule(task, REGRANT_RETRY_MS, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException stoppedAlready) {
            // closed or abandoned meanwhile
        }
    }

    /** Gives the lease back (every key on it goes at once), waiting up to the call timeout. */
    @Override
    public void close() {
        CompletableFuture<Long> lease;
        synchronized (this) {
            lease = current;
            current = null;
            stopped = true;
        }
        keepalive.shutdownNow();
        if (lease == null || !lease.isDone() || lease.isCompletedExceptionally()) return;
        try {
            leases.revoke(lease.join()).get(callTimeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            if (!clientClosed(e)) log.warn("could not revoke the node's etcd lease; its keys go when it runs out", e);
        }
    }

    /** Stops keeping the lease alive without giving it back, as a dead node would. */
    public void abandon() {
        synchronized (this) {
            stopped = true;
        }
        keepalive.shutdownNow();
    }

    /** The node's etcd client was closed (the node is going away): there is nothing to retry. */
    public static boolean clientClosed(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof ClosedClientException) return true;
        }
        return false;
    }
}
