package dev.switchboard.core.rpc;

import dev.switchboard.protocol.Reply;

/**
 * Where the chunks of a streaming call go from its responder ({@code rpc.chunk}, or
 * {@link RpcContext#stream()}): to the caller's session on this node ({@link CallStream}), or to
 * the caller's node when the call came from another node ({@link ForwardedStream}).
 */
interface ResponderStream extends RpcStream {
    /** The call has its outcome: no more chunks. */
    void ended(Reply outcome);

    /** {@code r} reads the stream at its URL from now on; false when that is not possible here. */
    default boolean read(StreamReader r) {
        return false;
    }

    /** {@code r} stopped reading. */
    default void unread(StreamReader r) {
    }
}
