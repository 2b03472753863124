package dev.switchboard.client;

import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledFuture;
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
        volatile ScheduledFuture<?> timeoutTask;

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
        for (Long id : byId.keySet()) {
            fail(id, error);
        }
    }

    private Pending remove(long id) {
        Pending p = byId.remove(id);
        if (p != null) {
            removed(p);
            if (p.timeoutTask != null) {
                p.timeoutTask.cancel(false);
            }
        }
        return p;
    }
}
