package dev.switchboard.cluster.nats;

import io.nats.client.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Tells callers when what they sent on the NATS connection (a SUB, an UNSUB) has reached the
 * server: a flush (PING/PONG) round trip, shared by every caller waiting at that moment, on a thread
 * of its own so that no caller and no NATS dispatcher thread blocks. A flush that fails or passes
 * {@code timeout} (the server is unreachable) fails every stage it was to complete.
 */
final class NatsFlushes implements AutoCloseable {
    private final Connection nats;
    private final Duration timeout;
    private final Queue<CompletableFuture<Void>> waiting = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean scheduled = new AtomicBoolean();
    private final ExecutorService thread;

    NatsFlushes(Connection nats, Duration timeout, String name) {
        this.nats = nats;
        this.timeout = timeout;
        this.thread = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        });
    }

    /** A stage completing once everything sent on the connection before this call has reached the server. */
    CompletableFuture<Void> flushed() {
        CompletableFuture<Void> f = new CompletableFuture<>();
        waiting.add(f);
        if (scheduled.compareAndSet(false, true)) {
            try {
                thread.execute(this::flushWaiting);
            } catch (RuntimeException closed) {
                f.completeExceptionally(closed);
            }
        }
        return f;
    }

    private void flushWaiting() {
        scheduled.set(false);
        List<CompletableFuture<Void>> batch = new ArrayList<>();
        for (CompletableFuture<Void> f; (f = waiting.poll()) != null; ) batch.add(f);
        if (batch.isEmpty()) return;
        try {
            nats.flush(timeout);
            batch.forEach(f -> f.complete(null));
        } catch (Exception e) {
            if (e instanceof InterruptedException) Thread.currentThread().interrupt();
            NatsUnreachableException failure = new NatsUnreachableException("NATS did not confirm within " + timeout, e);
            batch.forEach(f -> f.completeExceptionally(failure));
        }
    }

    @Override
    public void close() {
        thread.shutdownNow();
    }
}
