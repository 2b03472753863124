package dev.switchboard.client;

import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import io.netty.channel.EventLoop;
import java.time.Duration;
import java.util.function.Consumer;

/**
 * Requests sent and not yet answered, by correlation id. Answers can come back in any order
 * (a blocking acquire does not hold up later requests), so the id is the only way to match them.
 */
final class PendingRequests {
    /**
     * One request in flight. {@code onLateResult} sees a result that arrives after the caller
     * stopped waiting (client-side timeout or cancel); acquires use it to hand back a grant nobody
     * will ever release otherwise.
     */
    static final class Pending {
        final CompletableFuture<Answer> future;
        final Consumer<Answer> onLateResult;
        /** A blocked caller waits for this answer (and reads it itself when it can). */
        final boolean callerWaits;
        /** When the client stops waiting (System.nanoTime()); meaningful while {@code timed}. */
        volatile long deadlineNanos;
        volatile boolean timed;
        String op;
        long timeoutMillis;

        Pending(CompletableFuture<Answer> future, Consumer<Answer> onLateResult, boolean callerWaits) {
            this.future = future;
            this.onLateResult = onLateResult;
            this.callerWaits = callerWaits;
        }
    }

    /**
     * A request's future that tells its entry when the caller gave up on it (a cancel, or the
     * caller's own timeout), so the entry is dropped or kept for a late answer. An override rather
     * than a {@code whenComplete} stage: a stage per request is one more node the I/O thread runs
     * with every answer.
     */
    private final class RequestFuture extends CompletableFuture<Answer> {
        private final long id;

        RequestFuture(long id) {
            this.id = id;
        }

        @Override
        public boolean completeExceptionally(Throwable ex) {
            boolean done = super.completeExceptionally(ex);
            if (done && (ex instanceof CancellationException || ex instanceof RequestTimeoutException)) {
                abandon(id);
            }
            return done;
        }

        @Override
        public boolean cancel(boolean mayInterruptIfRunning) {
            boolean done = super.cancel(mayInterruptIfRunning);
            if (done) {
                abandon(id);
            }
            return done;
        }
    }

    private final Map<Long, Pending> byId = new ConcurrentHashMap<>();
    // One timer for every client-side timeout: armed for the earliest deadline, it times out what
    // is due, then arms itself for the next one. A timer per request was a task scheduled and
    // cancelled on the I/O thread for every async call, almost always answered long before. The
    // timer waits on ClientTimers' thread, not in the loop's scheduler: a loop with a task
    // scheduled reads the clock on every pass.
    private final Object sweepLock = new Object();
    private long sweepAt; // guarded by sweepLock; meaningful while sweepTimer is set
    private ClientTimers.Timed sweepTimer; // guarded by sweepLock; the armed sweep's timer, null when none is armed
    private boolean ended; // guarded by sweepLock; once the connection is gone nothing is timed any more
    private volatile EventLoop loop;
    /** Entries no blocked caller waits for: someone must still read their answers. */
    private final java.util.concurrent.atomic.AtomicInteger notAwaited = new java.util.concurrent.atomic.AtomicInteger();

    Pending register(long id, Consumer<Answer> onLateResult, boolean callerWaits) {
        Pending p = new Pending(new RequestFuture(id), onLateResult, callerWaits);
        if (!callerWaits) {
            notAwaited.incrementAndGet();
        }
        byId.put(id, p);
        return p;
    }

    /**
     * Fails {@code p} (request {@code id}, an {@code op}) with {@link RequestTimeoutException} when
     * no answer has come within {@code timeout}; the timeout is reported on {@code loop}.
     *
     * @throws RejectedExecutionException when the loop has shut down (the client is closed)
     */
    void expireAfter(Pending p, String op, Duration timeout, EventLoop loop) {
        p.op = op;
        p.timeoutMillis = timeout.toMillis();
        // Clamped so that deadlines compare by difference without overflow.
        long deadline = System.nanoTime() + Math.min(timeout.toNanos(), MAX_TIMEOUT_NANOS);
        p.deadlineNanos = deadline;
        p.timed = true;
        this.loop = loop;
        armBy(deadline);
    }

    private static final long MAX_TIMEOUT_NANOS = TimeUnit.DAYS.toNanos(365L * 100);

    /** Makes sure a sweep runs by {@code deadline}. */
    private void armBy(long deadline) {
        synchronized (sweepLock) {
            if (ended || sweepTimer != null && sweepAt - deadline <= 0) {
                return; // one comes in time, or every request has failed with the connection
            }
            if (sweepTimer != null) {
                sweepTimer.cancel(); // a later one, superseded
                sweepTimer = null;
            }
            sweepAt = deadline;
            sweepTimer = ClientTimers.onLoop(loop, this::sweep, deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
        }
    }

    /** Times out what is due, then arms for the next deadline. On the I/O thread. */
    private void sweep() {
        synchronized (sweepLock) {
            sweepTimer = null; // a request registered from now arms its own sweep
        }
        long now = System.nanoTime();
        boolean more = false;
        long next = 0;
        for (Map.Entry<Long, Pending> e : byId.entrySet()) {
            Pending p = e.getValue();
            if (!p.timed) {
                continue;
            }
            long deadline = p.deadlineNanos;
            if (deadline - now <= 0) {
                p.timed = false;
                // The future's override abandons the entry (or keeps it for a late grant).
                p.future.completeExceptionally(new RequestTimeoutException("no answer to " + p.op + " (id " + e.getKey()
                        + ") within " + p.timeoutMillis + " ms"));
            } else if (!more || deadline - next < 0) {
                more = true;
                next = deadline;
            }
        }
        if (more) {
            try {
                armBy(next);
            } catch (RejectedExecutionException e) {
                // Shutting down: every request in flight fails with the connection.
            }
        }
    }

    /** True while an answer is due that no blocked caller waits for (an async request, a late grant). */
    boolean answersDueToNoCaller() {
        return notAwaited.get() > 0;
    }

    /** Called when the caller gave up; keeps the entry only if a late answer needs handling. */
    void abandon(long id) {
        Pending p = byId.get(id);
        if (p != null && p.onLateResult == null && byId.remove(id, p)) {
            removed(p);
        }
    }

    private void removed(Pending p) {
        if (!p.callerWaits) {
            notAwaited.decrementAndGet();
        }
    }

    void complete(long id, Answer result) {
        Pending p = remove(id);
        if (p == null) {
            return;
        }
        if (!p.future.complete(result) && p.onLateResult != null) {
            p.onLateResult.accept(result);
        }
    }

    void fail(long id, Throwable error) {
        Pending p = remove(id);
        if (p != null) {
            p.future.completeExceptionally(error);
        }
    }

    /** Fails every request in flight: after a disconnect no answer can come. */
    void failAll(Throwable error) {
        failAll(error, false);
    }

    /**
     * Fails every request in flight because the connection is gone: nothing sent on it from now on
     * is timed, so no sweep's timer is left waiting for deadlines that no longer matter.
     */
    void connectionGone(Throwable error) {
        failAll(error, true);
    }

    private void failAll(Throwable error, boolean gone) {
        synchronized (sweepLock) {
            ended |= gone;
            if (sweepTimer != null) {
                sweepTimer.cancel(); // nothing left to time; a request sent after this arms its own
                sweepTimer = null;
            }
        }
        for (Long id : byId.keySet()) {
            fail(id, error);
        }
    }

    private Pending remove(long id) {
        Pending p = byId.remove(id);
        if (p != null) {
            removed(p);
            p.timed = false;
        }
        return p;
    }
}
