package dev.switchboard.client;

import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * A request sent and how its answer becomes the caller's value. The mapping runs on whichever side
 * waits: a blocking caller maps the answer on its own thread after it wakes ({@link Futures#await(Call,
 * io.netty.channel.EventLoop, java.time.Duration, String)}), so the I/O thread that completes the
 * request runs no dependent stage and only wakes the caller; an async caller gets a derived future.
 */
record Call<T>(CompletableFuture<Answer> request, Function<Answer, T> mapping) {
    /** The value as a future, mapped where the answer completes (the async API). */
    CompletableFuture<T> async() {
        return Futures.derive(request, mapping);
    }
}
