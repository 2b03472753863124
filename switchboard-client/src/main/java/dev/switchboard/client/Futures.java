package dev.switchboard.client;

import io.netty.channel.EventLoop;
import java.time.Duration;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BiConsumer;
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
        return await(future, loop, null, null);
    }

    /**
     * As {@link #await(CompletableFuture, EventLoop)}, waiting at most {@code limit} (null = no
     * limit): the caller's own wait is the request's timeout, so no timer needs to be scheduled on
     * the I/O thread. When it runs out the future fails with {@link RequestTimeoutException}
     * (which the request sees, as it would its timer), and so does the call.
     *
     * @param what the request, for the timeout's message
     */
    static <T> T await(CompletableFuture<T> future, EventLoop loop, Duration limit, String what) {
        if (loop.inEventLoop()) {
            throw new IllegalStateException("blocking call on the client's I/O thread would deadlock; use the async method");
        }
        try {
            if (loop instanceof CallerDrivenEventLoop driven && !future.isDone()) {
                // This thread reads its own answer when nobody else is reading the connection.
                long deadline = System.nanoTime() + (limit == null ? Long.MAX_VALUE / 2 : limit.toNanos());
                if (!driven.runUntilDone(future, deadline)) {
                    return timedOut(future, limit, what);
                }
                return future.get();
            }
            if (limit == null) {
                return future.get();
            }
            try {
                return future.get(limit.toNanos(), TimeUnit.NANOSECONDS);
            } catch (TimeoutException e) {
                return timedOut(future, limit, what);
            }
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

    /** Fails {@code future} as timed out, unless its answer won the race; returns or throws what it then holds. */
    private static <T> T timedOut(CompletableFuture<T> future, Duration limit, String what)
            throws InterruptedException, ExecutionException {
        future.completeExceptionally(new RequestTimeoutException(
                "no answer to " + what + " within " + limit.toMillis() + " ms"));
        return future.get();
    }

    /**
     * As {@link #await(CompletableFuture, EventLoop, Duration, String)} for a {@link Call}: waits on
     * the request itself and maps its answer here, on the caller's thread, so the I/O thread's
     * completion runs no mapping stage and only wakes this caller. A timeout or interrupt reaches
     * the request directly, whose late-result hook then handles an answer that still comes.
     */
    static <T> T await(Call<T> call, EventLoop loop, Duration limit, String what) {
        return call.mapping().apply(await(call.request(), loop, limit, what));
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
     * Maps an answer, passing a failure of the result that did not come from the request (a
     * cancel, the caller's own timeout) back to it, so the request's late-result hook knows the
     * caller is gone and hands back a grant that still arrives.
     */
    static <T, R> CompletableFuture<T> derive(CompletableFuture<R> request, Function<R, T> fn) {
        Derived<T, R> derived = new Derived<>(request, fn);
        request.whenComplete(derived);
        return derived;
    }

    /**
     * The caller's future of a mapped answer: one stage on the request, which maps and completes
     * it, where {@code thenApply} and a {@code whenComplete} to pass failures back were two (every
     * dependent stage is one more node the I/O thread runs with every answer). A failure given to
     * it directly goes back to the request, as the caller giving up.
     */
    private static final class Derived<T, R> extends CompletableFuture<T> implements BiConsumer<R, Throwable> {
        private final CompletableFuture<R> request;
        private final Function<R, T> fn;

        Derived(CompletableFuture<R> request, Function<R, T> fn) {
            this.request = request;
            this.fn = fn;
        }

        /** The request's outcome. */
        @Override
        public void accept(R answer, Throwable failure) {
            if (failure != null) {
                super.completeExceptionally(failure instanceof CompletionException ? failure : new CompletionException(failure));
                return;
            }
            T value;
            try {
                value = fn.apply(answer);
            } catch (RuntimeException | Error e) {
                super.completeExceptionally(new CompletionException(e));
                return;
            }
            super.complete(value);
        }

        @Override
        public boolean completeExceptionally(Throwable ex) {
            boolean done = super.completeExceptionally(ex);
            giveUp(ex);
            return done;
        }

        @Override
        public boolean cancel(boolean mayInterruptIfRunning) {
            boolean done = super.cancel(mayInterruptIfRunning);
            if (done) {
                giveUp(new CancellationException());
            }
            return done;
        }

        private void giveUp(Throwable why) {
            if (!request.isDone()) {
                request.completeExceptionally(unwrap(why));
            }
        }
    }
}
