package dev.switchboard.client;

import java.time.Duration;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One lock or semaphore slot held through a {@link SwitchboardClient}, with background lease
 * renewal and a lock-lost callback. Obtain one with {@link SwitchboardClient#lock(String)} or
 * {@link SwitchboardClient#semaphore(String, int)}; {@link #close()} releases it.
 *
 * <p>Holds at most one slot at a time and is not re-entrant: acquiring while holding throws
 * {@link IllegalStateException} (the server would queue the session behind itself). Renewal
 * runs on the connection's event loop at about half of the applied lease, so locks cost no
 * threads. When a renewal fails ({@link NotHeldException}, {@link LeaseExpiredException}), the
 * slot is considered lost and the {@link LockLostListener} is told.
 *
 * <p>Across reconnects: the slot belongs to the session, which the client resumes after a
 * dropped connection. While it reconnects, renewal waits for the new connection (and retries
 * while the lease may still run); after a resume ({@code RESUMED}) it simply continues, and if
 * the lease ran out meanwhile the renewal's {@code not_held}/{@code lease_expired} reports the
 * loss. When the session could not be resumed ({@code SESSION_LOST}) the listener is told at
 * once with a {@link SessionLostException}; when the client stops for good ({@code close()},
 * reconnecting off or given up) with the {@link ConnectionClosedException}.
 */
public final class Lock implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Lock.class);
    // A renewal that timed out client-side is retried while the lease may still run; this keeps
    // the retry from landing after the lease has already ended.
    private static final Duration RETRY_DELAY = Duration.ofMillis(200);

    private enum State { IDLE, ACQUIRING, QUEUED, HELD }

    private final SwitchboardClient client;
    private final Resource resource;
    private final LockOptions options;
    private final Consumer<SwitchboardException> onSessionEnd = this::sessionEnded;
    private final Consumer<tools.jackson.databind.JsonNode> onLockLost = this::lockLostEvent;

    // All guarded by "this". Every change of what we hold bumps the generation, so a renewal
    // answer or timer that belongs to an earlier grant sees the mismatch and does nothing.
    private State state = State.IDLE;
    private Grant grant;
    private long generation;
    private long leaseEndNanos;
    private ClientTimers.Timed renewal;

    Lock(SwitchboardClient client, Resource resource, LockOptions options) {
        this.client = client;
        this.resource = resource;
        this.options = options;
    }

    public Resource resource() {
        return resource;
    }

    /** Waits up to {@code timeout} for the slot; false when the wait ran out. */
    public boolean acquire(Duration timeout) {
        return client.await(acquireAsync(timeout));
    }

    public CompletableFuture<Boolean> acquireAsync(Duration timeout) {
        begin(State.IDLE);
        return track(start(State.IDLE, () -> client.acquireAsync(resource, timeout, options.lease())));
    }

    /** Takes the slot if it is free now, without waiting. */
    public boolean tryAcquire() {
        return acquire(Duration.ZERO);
    }

    /**
     * First phase of a two-phase acquire: returns true when the slot was free and is held now,
     * false when this session joined the queue; then call {@link #awaitGrant(Duration)}.
     */
    public boolean enqueue() {
        begin(State.IDLE);
        CompletableFuture<Boolean> f = start(State.IDLE, () -> client.enqueueAsync(resource, options.lease())).handle((r, e) -> {
            if (e != null) {
                toIdleFrom(State.ACQUIRING);
                throw new java.util.concurrent.CompletionException(Futures.unwrap(e));
            }
            if (r.isAcquired()) {
                return granted(r.grant().orElseThrow());
            }
            synchronized (this) {
                if (state == State.ACQUIRING) {
                    state = State.QUEUED;
                }
            }
            return false;
        });
        return client.await(f);
    }

    /**
     * Second phase: waits up to {@code timeout} for the slot enqueued earlier. True at once when
     * {@link #enqueue()} already got it; false when the wait ran out (the session then leaves the
     * queue).
     */
    public boolean awaitGrant(Duration timeout) {
        synchronized (this) {
            if (state == State.HELD) {
                return true;
            }
        }
        begin(State.QUEUED);
        return client.await(track(start(State.QUEUED, () -> client.awaitGrantAsync(resource, timeout))));
    }

    /**
     * Renews now, for the configured lease (or the lease of the current grant). A failure means
     * the slot is gone: the listener is told and the error is thrown.
     */
    public Duration renew() {
        long gen;
        Grant g;
        synchronized (this) {
            if (state != State.HELD) {
                throw new IllegalStateException(resource + " is not held");
            }
            gen = generation;
            g = grant;
        }
        try {
            Duration lease = client.renew(resource, g.token(), leaseToAsk(g));
            renewed(gen, g, lease);
            return lease;
        } catch (SwitchboardException e) {
            lost(gen, e);
            throw e;
        }
    }

    /**
     * Frees the slot. Does nothing when nothing is held. Throws {@link NotHeldException} when
     * the server says the slot was already gone (its lease ran out before renewal kept it).
     */
    public void release() {
        client.await(releaseAsync());
    }

    public CompletableFuture<Void> releaseAsync() {
        Grant g;
        synchronized (this) {
            if (state != State.HELD) {
                // A queued session cannot leave the queue in protocol version 1; it is dropped
                // when the session ends or a wait times out, so forgetting it here is all we can do.
                if (state == State.QUEUED) {
                    state = State.IDLE;
                }
                return CompletableFuture.completedFuture(null);
            }
            g = grant;
            clearHolding();
        }
        return client.releaseAsync(resource, g.token());
    }

    public synchronized boolean isHeld() {
        return state == State.HELD;
    }

    public synchronized Optional<Grant> grant() {
        return Optional.ofNullable(grant);
    }

    /** The fencing token of the slot held now. */
    public synchronized Optional<String> token() {
        return grant == null ? Optional.empty() : Optional.of(grant.token());
    }

    /** The fence counter of the slot held now (see {@link Grant#fenceOf(String)}). */
    public synchronized OptionalLong fence() {
        return grant == null ? OptionalLong.empty() : OptionalLong.of(grant.fence());
    }

    /** Releases the slot if one is held; errors are logged, not thrown, so try-with-resources stays quiet. */
    @Override
    public void close() {
        try {
            release();
        } catch (SwitchboardException e) {
            log.debug("release of {} on close failed: {}", resource, e.getMessage());
        }
    }

    @Override
    public synchronized String toString() {
        return "Lock[" + resource + ", " + state + (grant == null ? "" : ", token=" + grant.token()) + "]";
    }

    // ------------------------------------------------------------------ internals

    private synchronized void begin(State expected) {
        if (state != expected) {
            throw new IllegalStateException(resource + " is " + state.name().toLowerCase()
                    + "; expected " + expected.name().toLowerCase() + " (locks are not re-entrant)");
        }
        state = State.ACQUIRING;
    }

    /**
     * Sends the request that {@link #begin} announced. A request refused before it is sent (a
     * bad argument) puts the state back to {@code previous}, so the helper stays usable.
     */
    private <T> CompletableFuture<T> start(State previous, Supplier<CompletableFuture<T>> send) {
        try {
            return send.get();
        } catch (RuntimeException e) {
            synchronized (this) {
                if (state == State.ACQUIRING) {
                    state = previous;
                }
            }
            throw e;
        }
    }

    private synchronized void toIdleFrom(State from) {
        if (state == from) {
            state = State.IDLE;
        }
    }

    /**
     * Turns a grant-or-timeout request into the helper's boolean, keeping the state right when
     * the caller gives up: a grant that arrives after the returned future was cancelled is
     * handed back instead of being held (and renewed) by nobody.
     */
    private CompletableFuture<Boolean> track(CompletableFuture<Optional<Grant>> request) {
        CompletableFuture<Boolean> result = new CompletableFuture<>();
        result.whenComplete((r, e) -> {
            if (result.isCancelled()) {
                request.cancel(false);
            }
        });
        request.whenComplete((g, e) -> {
            if (e != null) {
                toIdleFrom(State.ACQUIRING);
                result.completeExceptionally(Futures.unwrap(e));
            } else if (g.isEmpty()) {
                toIdleFrom(State.ACQUIRING);
                result.complete(false);
            } else if (result.isDone()) {
                toIdleFrom(State.ACQUIRING);
                client.releaseAsync(resource, g.get().token()).exceptionally(x -> null);
            } else {
                result.complete(granted(g.get()));
            }
        });
        return result;
    }

    private boolean granted(Grant g) {
        synchronized (this) {
            state = State.HELD;
            grant = g;
            generation++;
            leaseEndNanos = System.nanoTime() + g.lease().toNanos();
            if (options.autoRenew()) {
                scheduleRenewal(generation, half(g.lease()));
            }
            // Inside the monitor so a concurrent release cannot remove it before it is added.
            client.addSessionEndListener(onSessionEnd);
            client.addLockLostListener(onLockLost);
        }
        return true;
    }

    private void scheduleRenewal(long gen, Duration delay) {
        try {
            renewal = client.schedule(() -> renewInBackground(gen), delay);
        } catch (RejectedExecutionException e) {
            // The client is closing; the close listener reports the loss.
            renewal = null;
        }
    }

    private void renewInBackground(long gen) {
        Grant g;
        synchronized (this) {
            if (gen != generation || state != State.HELD) {
                return;
            }
            g = grant;
        }
        client.renewAsync(resource, g.token(), leaseToAsk(g)).whenComplete((lease, e) -> {
            if (e == null) {
                renewed(gen, g, lease);
            } else {
                renewalFailed(gen, Futures.unwrap(e));
            }
        });
    }

    private void renewed(long gen, Grant g, Duration lease) {
        synchronized (this) {
            if (gen != generation || state != State.HELD) {
                return;
            }
            grant = new Grant(resource, g.token(), lease);
            leaseEndNanos = System.nanoTime() + lease.toNanos();
            if (options.autoRenew()) {
                if (renewal != null) {
                    renewal.cancel();
                }
                scheduleRenewal(gen, half(lease));
            }
        }
    }

    private void renewalFailed(long gen, RuntimeException e) {
        // A timeout: the server may just be slow. A dropped connection that the client is
        // replacing: the session, and the slot with it, may well survive; the retry waits for the
        // reconnect. Either way, retry while the lease can still be running.
        if (e instanceof RequestTimeoutException || (e instanceof ConnectionClosedException && client.mayReconnect())) {
            synchronized (this) {
                if (gen == generation && state == State.HELD
                        && System.nanoTime() + RETRY_DELAY.toNanos() < leaseEndNanos) {
                    scheduleRenewal(gen, RETRY_DELAY);
                    return;
                }
            }
        }
        lost(gen, e instanceof SwitchboardException se ? se
                : new SwitchboardException("internal", "renewal failed: " + e, e));
    }

    /** A {@code lock.lost} event for this lock's key (and token, when the event names one) ends the hold at once. */
    private void lockLostEvent(tools.jackson.databind.JsonNode event) {
        long gen;
        synchronized (this) {
            if (state != State.HELD || grant == null) return;
            String kind = resource.kind() == Resource.Kind.LOCK ? "lock" : "sem";
            if (!kind.equals(event.path("kind").asString("")) || !resource.key().equals(event.path("key").asString(""))) return;
            String token = event.path("token").asString("");
            if (!token.isEmpty() && !token.equals(grant.token())) return;
            gen = generation;
        }
        lost(gen, new LeaseExpiredException("the server took the slot back: " + event.path("reason").asString("lease_expired")));
    }

    private void sessionEnded(SwitchboardException e) {
        long gen;
        synchronized (this) {
            if (state == State.QUEUED) {
                state = State.IDLE;
            }
            gen = generation;
        }
        lost(gen, e);
    }

    private void lost(long gen, SwitchboardException cause) {
        Grant lostGrant;
        synchronized (this) {
            if (gen != generation || state != State.HELD) {
                return;
            }
            lostGrant = grant;
            clearHolding();
        }
        log.info("lost {} (token {}): {}", resource, lostGrant.token(), cause.getMessage());
        LockLost event = new LockLost(lostGrant, cause);
        try {
            client.callbackExecutor().execute(() -> {
                try {
                    options.onLost().onLockLost(event);
                } catch (RuntimeException x) {
                    log.warn("lock-lost listener of {} threw", resource, x);
                }
            });
        } catch (RejectedExecutionException x) {
            log.warn("could not run the lock-lost listener of {}", resource, x);
        }
    }

    // Caller holds the monitor.
    private void clearHolding() {
        state = State.IDLE;
        grant = null;
        generation++;
        if (renewal != null) {
            renewal.cancel();
            renewal = null;
        }
        client.removeSessionEndListener(onSessionEnd);
        client.removeLockLostListener(onLockLost);
    }

    // Without an explicit lease, keep the lease the server applied: a renew without lease_ms
    // would fall back to the server default, which may be shorter than what we were granted.
    private Duration leaseToAsk(Grant g) {
        return options.lease() != null ? options.lease() : g.lease();
    }

    private static Duration half(Duration lease) {
        return Duration.ofMillis(Math.max(1, lease.toMillis() / 2));
    }
}
