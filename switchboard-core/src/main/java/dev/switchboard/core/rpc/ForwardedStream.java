package dev.switchboard.core.rpc;

import dev.switchboard.protocol.ErrorCode;
import dev.switchboard.protocol.Payload;
import dev.switchboard.protocol.Reply;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The stream of a call that another node sent here: each chunk goes to the caller's node through
 * {@code toCallerNode} (a cluster engine's), whose answer is the chunk's — the window and the
 * caller's reading are kept there. Once the call has its outcome here, a chunk is refused
 * {@code unknown_request} without asking.
 */
final class ForwardedStream implements ResponderStream {
    private final RpcCall call;
    private final RpcStream toCallerNode;
    private volatile boolean ended;

    ForwardedStream(RpcCall call, RpcStream toCallerNode) {
        this.call = call;
        this.toCallerNode = toCallerNode;
    }

    @Override
    public CompletionStage<Void> send(Payload chunk) {
        if (chunk == null) throw new IllegalArgumentException("chunk must not be null");
        if (ended || call.isDone()) {
            return CompletableFuture.failedFuture(new RpcStreamException(ErrorCode.UNKNOWN_REQUEST,
                    "the call " + call.rid() + " has ended"));
        }
        return toCallerNode.send(chunk);
    }

    @Override
    public void ended(Reply outcome) {
        ended = true;
    }
}
