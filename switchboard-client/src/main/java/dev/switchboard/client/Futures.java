package dev.switchboard.client;

import io.netty.channel.EventLoop;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.function.Function;

/** How the blocking API waits for the async one, and how failures come out of futures. */
final class Futures {
    private Futures() {
    }

    /**
     * Unwraps a future for the blocking API. Refuses to run on the client's own I/O thread,
     * where waiting for an answer that thread must read would hang forever.
     */
    static <T> T await(CompletableFuture<T> future, EventLoop loop) {
        if (loop.inEventLoop()) {
            throw new IllegalStateException("blocking call on the client's I/O thread would deadlock; use the async method");
        }
        try {
            return future.get();
        } catch (InterruptedException e) {
            // The late-result hook hands back a grant that arrives after we gave up.
            future.cancel(false);
            Thread.currentThread().interrupt();
            throw new SwitchboardException("interrupted", "interrupted while waiting for the server", e);
        } catch (ExecutionException e) {
            throw unwrap(e.getCause());
        } catch (CancellationException e) {
            throw new SwitchboardException("cancelled", "the request was cancelled", e);
        }
    }

    static RuntimeException unwrap(Throwable t) {
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        if (t instanceof RuntimeException re) {
            return re;
        }
        return new SwitchboardException("internal", String.valueOf(t), t);
    }

    /**
     * Maps an answer, passing a cancel of the result back to the request, so the request's
     * late-result hook knows the caller is gone and hands back a grant that still arrives.
     */
    static <T, R> CompletableFuture<T> derive(CompletableFuture<R> request, Function<R, T> fn) {
        CompletableFuture<T> derived = request.thenApply(fn);
        derived.whenComplete((r, e) -> {
            if (derived.isCancelled()) {
                request.cancel(false);
            }
        });
        return derived;
    }
}
