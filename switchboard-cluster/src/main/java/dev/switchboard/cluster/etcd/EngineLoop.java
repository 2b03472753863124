package dev.switchboard.cluster.etcd;

import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BiFunction;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The lock engine's one thread and how etcd work is sequenced on it: tasks posted from any thread,
 * etcd calls with a deadline whose results are handled back on the thread, and per-key chains that
 * run one key's steps one after another.
 */
final class EngineLoop {
    private static final Logger log = LoggerFactory.getLogger(EngineLoop.class);
    static final CompletableFuture<Void> DONE = CompletableFuture.completedFuture(null);

    private final ExecutorService executor;
    private volatile Thread thread;
    private final long callTimeoutMs;
    /** The thread for etcd completions: once the loop is shut down they are dropped. */
    private final Executor onLoop;
    /** Told (on the thread) of every etcd call that failed or missed its deadline. */
    private final Runnable onCallFailed;

    /** Where the calls are counted (the node's etcd stats, once the engine belongs to a node). */
    volatile dev.switchboard.cluster.EtcdCalls calls = dev.switchboard.cluster.EtcdCalls.UNCOUNTED;

    EngineLoop(String nodeId, long callTimeoutMs, Runnable onCallFailed) {
        this.callTimeoutMs = callTimeoutMs;
        this.onCallFailed = onCallFailed;
        this.executor = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "etcd-locks-" + nodeId);
            t.setDaemon(true);
            thread = t;
            return t;
        });
        this.onLoop = task -> {
            try {
                executor.execute(task);
            } catch (RejectedExecutionException closedAlready) {
                log.debug("dropped an etcd completion after close");
            }
        };
    }

    Executor executor() {
        return onLoop;
    }

    /** Runs {@code task} on the thread; false when the loop is shut down. */
    boolean post(Runnable task) {
        try {
            executor.execute(() -> {
                try {
                    task.run();
                } catch (RuntimeException e) {
                    log.error("lock engine task failed", e);
                }
            });
            return true;
        } catch (RejectedExecutionException e) {
            return false;
        }
    }

    /** Runs {@code task} on the thread and waits for it (at once when called there). */
    <T> T runAndWait(Callable<T> task, T ifClosed) {
        if (Thread.currentThread() == thread) {
            try {
                return task.call();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
        try {
            return executor.submit(task).get(callTimeoutMs, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            return ifClosed;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return ifClosed;
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("the lock engine thread did not answer", e);
        }
    }

    /**
     * Runs {@code step} on the key's chain once every step chained before it has finished, then
     * {@code after} (on the thread).
     */
    void chain(EtcdResource r, Supplier<CompletableFuture<Void>> step, Consumer<EtcdResource> after) {
        r.pendingSteps++;
        r.tail = r.tail.thenComposeAsync(v -> {
            try {
                CompletableFuture<Void> f = step.get();
                return f == null ? DONE : f.exceptionally(e -> {
                    log.error("lock step on {} failed", r.key, e);
                    return null;
                });
            } catch (RuntimeException e) {
                log.error("lock step on {} failed", r.key, e);
                return DONE;
            }
        }, onLoop).handleAsync((v, e) -> {
            r.pendingSteps--;
            after.accept(r);
            return null;
        }, onLoop);
    }

    /**
     * Makes an etcd call with the deadline and handles its result on the thread; the returned future
     * completes once the handler's own follow-up has.
     */
    <T> CompletableFuture<Void> call(Supplier<CompletableFuture<T>> request,
                                     BiFunction<T, Throwable, CompletableFuture<Void>> then) {
        CompletableFuture<T> f;
        try {
            f = calls.counted(request.get().orTimeout(callTimeoutMs, TimeUnit.MILLISECONDS));
        } catch (RuntimeException e) {
            f = CompletableFuture.failedFuture(e);
        }
        return f.handleAsync((v, e) -> {
            if (e != null) onCallFailed.run();
            CompletableFuture<Void> next = then.apply(v, unwrap(e));
            return next == null ? DONE : next;
        }, onLoop).thenCompose(x -> x);
    }

    void shutdown() {
        executor.shutdown();
    }

    void shutdownNow() {
        executor.shutdownNow();
    }

    private static Throwable unwrap(Throwable e) {
        while (e instanceof CompletionException && e.getCause() != null) e = e.getCause();
        return e;
    }
}
