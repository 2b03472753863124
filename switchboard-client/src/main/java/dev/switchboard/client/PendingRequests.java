package dev.switchboard.client;

import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.atomic.AtomicReferenceArray;
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
        final long id;
        final CompletableFuture<Answer> future;
        final Consumer<Answer> onLateResult;
        volatile ScheduledFuture<?> timeoutTask;

        Pending(long id, CompletableFuture<Answer> future, Consumer<Answer> onLateResult) {
            this.id = id;
            this.future = future;
            this.onLateResult = onLateResult;
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

    // Ids are handed out in order, so the requests in flight mostly fit a small ring indexed by the
    // id's low bits: no boxing, hashing or map node per request, on the I/O thread that matches
    // every answer. A request whose slot is still taken by an older one still in flight (a long
    // wait) goes to the map instead.
    private static final int RING_SIZE = 256;
    private final AtomicReferenceArray<Pending> ring = new AtomicReferenceArray<>(RING_SIZE);
    private final Map<Long, Pending> overflow = new ConcurrentHashMap<>();

    Pending register(long id, Consumer<Answer> onLateResult) {
        Pending p = new Pending(id, new RequestFuture(id), onLateResult);
        if (!ring.compareAndSet(slot(id), null, p)) {
            overflow.put(id, p);
        }
        return p;
    }

    /** Called when the caller gave up; keeps the entry only if a late answer needs handling. */
    void abandon(long id) {
        Pending p = ring.get(slot(id));
        if (p == null || p.id != id) {
            p = overflow.get(id);
        }
        if (p != null && p.onLateResult == null) {
            if (!ring.compareAndSet(slot(id), p, null)) {
                overflow.remove(id, p);
            }
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
        for (int i = 0; i < RING_SIZE; i++) {
            Pending p = ring.get(i);
            if (p != null) {
                fail(p.id, error);
            }
        }
        for (Long id : overflow.keySet()) {
            fail(id, error);
        }
    }

    private static int slot(long id) {
        return (int) id & (RING_SIZE - 1);
    }

    private Pending remove(long id) {
        int slot = slot(id);
        Pending p = ring.get(slot);
        if (p == null || p.id != id || !ring.compareAndSet(slot, p, null)) {
            p = overflow.remove(id);
        }
        if (p != null && p.timeoutTask != null) {
            p.timeoutTask.cancel(false);
        }
        return p;
    }
}
