package dev.switchboard.client;

import dev.switchboard.protocol.Payload;
import java.util.concurrent.CompletableFuture;

/**
 * The serving side of a stream ({@link IncomingRequest#stream()}): each chunk goes to the caller
 * before the handler's final payload, which ends the stream. Send the next chunk once the last
 * one's future completed — the server answers when the caller's connection wrote the chunk, so a
 * caller that reads slowly holds the handler back; at most the server's
 * {@code --rpc-stream-window} chunks may wait at once.
 */
public interface ReplyStream {
    /**
     * Sends one chunk ({@code rpc.chunk}). Completes once the caller took it; fails with a
     * {@link SwitchboardException} whose code is {@code unknown_request} when the call has ended
     * (the caller went, its deadline passed: stop producing), {@code too_many_requests} past the
     * window, or {@code slow_consumer} when the deadline came while the caller read slowly.
     */
    CompletableFuture<Void> send(Payload chunk);
}
