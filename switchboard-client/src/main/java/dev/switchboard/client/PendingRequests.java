package dev.switchboard.client;

import java.util.Map;
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
        final CompletableFuture<Answer> future = new CompletableFuture<>();
        final Consumer<Answer> onLateResult;
        volatile ScheduledFuture<?> timeoutTask;

        Pending(Consumer<Answer> onLateResult) {
            this.onLateResult = onLateResult;
        }
    }

    private final Map<Long, Pending> byId = new ConcurrentHashMap<>();

    Pending register(long id, Consumer<Answer> onLateResult) {
        Pending p = new Pending(onLateResult);
        byId.put(id, p);
        return p;
    }

    /** Called when the caller gave up; keeps the entry only if a late answer needs handling. */
    void abandon(long id) {
        Pending p = byId.get(id);
        if (p != null && p.onLateResult == null) {
            byId.remove(id, p);
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
        if (p != null && p.timeoutTask != null) {
            p.timeoutTask.cancel(false);
        }
        return p;
    }
}
