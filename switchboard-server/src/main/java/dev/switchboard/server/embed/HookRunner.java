package dev.switchboard.server.embed;

import java.util.ArrayDeque;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The bounded executor of the embedding program's code (see {@link EmbeddingHooks}): a fixed pool
 * of daemon threads, calls keyed by session run one at a time in submission order, and at most
 * {@code queueSize} calls waiting or running over the node.
 */
final class HookRunner implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(HookRunner.class);

    private final ExecutorService pool;
    private final int queueSize;
    private final AtomicInteger pending = new AtomicInteger();
    /** The calls of each session with calls waiting or running; a key leaves when its queue is empty. */
    private final ConcurrentHashMap<String, ArrayDeque<Runnable>> lanes = new ConcurrentHashMap<>();
    private final Runnable onFull;
    private final Consumer<String> onFailure;

    /**
     * @param onFull    runs each time a call is refused because {@code queueSize} are pending
     * @param onFailure runs with the hook's name each time a hook throws
     */
    HookRunner(int threads, int queueSize, Runnable onFull, Consumer<String> onFailure) {
        AtomicInteger n = new AtomicInteger();
        this.pool = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "switchboard-hooks-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        this.queueSize = queueSize;
        this.onFull = onFull;
        this.onFailure = onFailure;
    }

    /**
     * Runs {@code call} after the earlier calls with the same {@code key} (null: no order), unless
     * the queue is full: false then, and the call never runs. A call that throws is logged and
     * counted as a failure of {@code hook}.
     */
    boolean submit(String key, String hook, Runnable call) {
        if (pending.incrementAndGet() > queueSize) {
            pending.decrementAndGet();
            onFull.run();
            return false;
        }
        Runnable guarded = () -> {
            try {
                call.run();
            } catch (Throwable t) {
                failed(hook, t);
            } finally {
                pending.decrementAndGet();
            }
        };
        try {
            if (key == null) {
                pool.execute(guarded);
                return true;
            }
            boolean[] start = new boolean[1];
            lanes.compute(key, (k, q) -> {
                if (q == null) {
                    q = new ArrayDeque<>();
                    start[0] = true;
                }
                q.add(guarded);
                return q;
            });
            if (start[0]) pool.execute(() -> drain(key));
            return true;
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // The node is stopping: the pool takes nothing more.
            pending.decrementAndGet();
            return false;
        }
    }

    /** Runs the key's calls one after another; the key leaves the map with its last call. */
    private void drain(String key) {
        while (true) {
            Runnable[] next = new Runnable[1];
            lanes.computeIfPresent(key, (k, q) -> {
                next[0] = q.peek();
                return q;
            });
            if (next[0] == null) return;
            next[0].run();
            boolean[] more = new boolean[1];
            lanes.computeIfPresent(key, (k, q) -> {
                q.poll();
                more[0] = !q.isEmpty();
                return more[0] ? q : null;
            });
            if (!more[0]) return;
        }
    }

    /** A hook threw: one log line (with the stack, which is the embedder's own) and a count. */
    void failed(String hook, Throwable t) {
        log.warn("the embedding program's {} hook threw", hook, t);
        onFailure.accept(hook);
    }

    /** Calls waiting or running now. */
    int pending() {
        return pending.get();
    }

    @Override
    public void close() {
        pool.shutdown();
        try {
            if (!pool.awaitTermination(5, TimeUnit.SECONDS)) pool.shutdownNow();
        } catch (InterruptedException e) {
            pool.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }
}
