package dev.switchboard.core.rpc;

import dev.switchboard.protocol.Payload;
import java.util.concurrent.CompletionStage;

/**
 * The caller's side of a streaming call, as an in-process handler sees it ({@link RpcContext#stream()}):
 * each chunk goes to the caller as an {@code rpc.chunk} event, in order; the handler's
 * {@link RpcResult} ends the stream. Send the next chunk once the last one's stage completed:
 * that is the backpressure, and at most {@code --rpc-stream-window} chunks may wait at once.
 */
public interface RpcStream {
    /**
     * Sends one chunk. The stage completes once the caller's connection wrote it; it fails with
     * an {@link RpcStreamException} when the window is full ({@code too_many_requests}), the call
     * has ended ({@code unknown_request}), or its deadline came while the caller read slowly
     * ({@code slow_consumer}).
     */
    CompletionStage<Void> send(Payload chunk);
}
