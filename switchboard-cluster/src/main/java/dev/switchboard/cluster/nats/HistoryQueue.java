package dev.switchboard.cluster.nats;

import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * Where a broker's JetStream history work runs: on threads of its own, never on the caller's (an
 * event loop, a NATS dispatcher), which only gets a stage. A write and the fan-out behind it run in
 * turn with the other writes of topics sharing its stripe, so a node's publishers of one topic
 * store and fan out in the order of their offsets (each append names its predecessor, so appends of
 * one topic cannot overlap anyway). Reads run as they come.
 *
 * <p><b>Bound.</b> At most {@code maxPending} operations wait for JetStream at once (queued or
 * running): while JetStream does not answer, each takes up to the NATS timeout, and the queue
 * would otherwise grow with every publish. One more is refused at once with a
 * {@link HistoryBacklogFullException} (the publish is delivered nowhere, as when JetStream fails),
 * counted ({@link #refused()}) and reported to {@code onLimitHit}.
 */
final class HistoryQueue implements AutoCloseable {
    static final String LIMIT = "cluster_history_max_pending";
    private static final int STRIPES = 64;
    /** JetStream calls are blocking round trips: a few threads keep several topics moving while one waits. */
    private static final int THREADS = 4;

    private final int maxPending;
    private final ExecutorService threads;
    private final CompletableFuture<?>[] tails = new CompletableFuture<?>[STRIPES]; // guarded by tails
    private final AtomicInteger pending = new AtomicInteger();
    private final AtomicLong refused = new AtomicLong();
    private volatile Consumer<String> onLimitHit = limit -> { };

    HistoryQueue(String nodeId, int maxPending) {
        this.maxPending = maxPending;
        AtomicInteger n = new AtomicInteger();
        this.threads = Executors.newFixedThreadPool(THREADS, r -> {
            Thread t = new Thread(r, "nats-history-" + nodeId + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        for (int i = 0; i < STRIPES; i++) tails[i] = CompletableFuture.completedFuture(null);
    }

    void onLimitHit(Consumer<String> counter) {
        this.onLimitHit = counter == null ? limit -> { } : counter;
    }

    /** Runs {@code work} after the earlier writes of {@code topic}'s stripe. */
    <T> CompletableFuture<T> write(String topic, Callable<T> work) {
        if (!admit()) return refusal();
        CompletableFuture<T> result = new CompletableFuture<>();
        int stripe = (topic.hashCode() & 0x7fffffff) % STRIPES;
        synchronized (tails) {
            tails[stripe] = tails[stripe].handleAsync((v, e) -> {
                run(work, result);
                return null;
            }, threads).exceptionally(rejected -> {
                finish(result, new HistoryUnavailableException("the broker is closed", rejected));
                return null;
            });
        }
        return result;
    }

    /** Runs {@code work} on the history threads. */
    <T> CompletableFuture<T> read(Callable<T> work) {
        if (!admit()) return refusal();
        CompletableFuture<T> result = new CompletableFuture<>();
        try {
            threads.execute(() -> run(work, result));
        } catch (RejectedExecutionException e) {
            finish(result, new HistoryUnavailableException("the broker is closed", e));
        }
        return result;
    }

    /** Operations waiting for JetStream now (queued or running). */
    int pending() {
        return pending.get();
    }

    /** Operations refused because {@code maxPending} already waited. */
    long refused() {
        return refused.get();
    }

    private boolean admit() {
        if (pending.incrementAndGet() <= maxPending) return true;
        pending.decrementAndGet();
        refused.incrementAndGet();
        onLimitHit.accept(LIMIT);
        return false;
    }

    private <T> CompletableFuture<T> refusal() {
        return CompletableFuture.failedFuture(new HistoryBacklogFullException(maxPending));
    }

    private <T> void run(Callable<T> work, CompletableFuture<T> result) {
        try {
            T value = work.call();
            pending.decrementAndGet();
            result.complete(value);
        } catch (Exception | Error e) {
            finish(result, e);
        }
    }

    private void finish(CompletableFuture<?> result, Throwable failure) {
        if (result.isDone()) return;
        pending.decrementAndGet();
        result.completeExceptionally(failure);
    }

    @Override
    public void close() {
        threads.shutdownNow();
    }
}
