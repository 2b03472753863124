package dev.switchboard.cluster.relay;

import io.etcd.jetcd.Client;
import io.etcd.jetcd.lease.LeaseKeepAliveResponse;
import io.etcd.jetcd.support.CloseableClient;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's etcd lease, which every key the node writes for its peers is attached to: kept alive
 * while the node lives, so that when the node dies (or loses etcd for longer than the TTL) etcd
 * deletes its keys and the other nodes hear its peers go offline. When the keep-alive ends (the
 * lease expired, etcd unreachable for too long) a new lease is granted, retrying until it works,
 * and {@code renewed} is told its id so that the node writes its keys again under it.
 */
final class NodeLease implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(NodeLease.class);
    private static final long RETRY_MILLIS = 500;

    private final Client etcd;
    private final long ttlSeconds;
    private final Duration callTimeout;
    private final ScheduledExecutorService scheduler;
    private final LongConsumer renewed;
    private volatile long id;
    private volatile CloseableClient keepAlive;
    private volatile boolean closed;

    /** Grants the first lease (waiting up to {@code callTimeout}) and keeps it alive. */
    NodeLease(Client etcd, long ttlSeconds, Duration callTimeout, ScheduledExecutorService scheduler, LongConsumer renewed)
            throws Exception {
        this.etcd = etcd;
        this.ttlSeconds = ttlSeconds;
        this.callTimeout = callTimeout;
        this.scheduler = scheduler;
        this.renewed = renewed;
        this.id = etcd.getLeaseClient().grant(ttlSeconds).get(callTimeout.toMillis(), TimeUnit.MILLISECONDS).getID();
        keepAlive(id);
    }

    long id() {
        return id;
    }

    private void keepAlive(long leaseId) {
        keepAlive = etcd.getLeaseClient().keepAlive(leaseId, new StreamObserver<>() {
            @Override
            public void onNext(LeaseKeepAliveResponse value) {
            }

            @Override
            public void onError(Throwable t) {
                lost(leaseId, t);
            }

            @Override
            public void onCompleted() {
                lost(leaseId, null);
            }
        });
    }

    private void lost(long leaseId, Throwable why) {
        if (closed || leaseId != id) return;
        if (clientClosed(why)) {
            LOG.debug("etcd client closed: lease {} is no longer kept alive", leaseId);
            return;
        }
        LOG.warn("etcd lease {} can no longer be kept alive; granting a new one", leaseId, why);
        scheduler.schedule(this::regrant, RETRY_MILLIS, TimeUnit.MILLISECONDS);
    }

    private void regrant() {
        if (closed) return;
        etcd.getLeaseClient().grant(ttlSeconds).orTimeout(callTimeout.toMillis(), TimeUnit.MILLISECONDS)
                .whenComplete((r, e) -> {
                    if (closed) return;
                    if (e != null) {
                        if (clientClosed(e)) return;
                        scheduler.schedule(this::regrant, RETRY_MILLIS, TimeUnit.MILLISECONDS);
                        return;
                    }
                    id = r.getID();
                    keepAlive(r.getID());
                    renewed.accept(r.getID());
                });
    }

    /** The node's etcd client was closed (the node is going away): there is nothing to retry. */
    static boolean clientClosed(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof io.etcd.jetcd.common.exception.ClosedClientException) return true;
        }
        return false;
    }

    /** Stops the keep-alive without revoking: the keys live until the TTL runs out (what a killed node leaves). */
    void abandon() {
        closed = true;
        CloseableClient k = keepAlive;
        if (k != null) k.close();
    }

    /** Stops the keep-alive and revokes the lease, deleting every key attached to it at once. */
    @Override
    public void close() {
        abandon();
        try {
            etcd.getLeaseClient().revoke(id).get(callTimeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            LOG.debug("revoking etcd lease {} failed; its keys go when its TTL runs out", id, e);
        }
    }
}
