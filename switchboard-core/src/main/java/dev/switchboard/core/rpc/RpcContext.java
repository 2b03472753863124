package dev.switchboard.core.rpc;

import dev.switchboard.protocol.Payload;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;

/** What an in-process handler knows of a request or a notify: the name, the payload and the caller. */
public interface RpcContext {
    /** The name the caller sent the request to (a subject such as {@code billing.invoice.create}). */
    String name();

    /** The request's payload: text, a JSON value or bytes ({@link Payload#kind()}). */
    Payload payload();

    /** The caller's session id; null for a caller without a session. */
    String sessionId();

    /** The caller's session attributes at the time of the call (a copy); empty without a session. */
    Map<String, String> attributes();

    /** The transport the caller's session was opened on ({@code json}, {@code ws}, {@code http}, ...). */
    String transport();

    /** The caller's remote address as the session recorded it. */
    String remoteAddress();

    /** When the caller stops waiting (wall-clock time of the node's clock); null for a notify. */
    Instant deadline();

    /** How long the caller still waits, never negative; zero for a notify. */
    Duration timeLeft();

    /** True when the caller asked for a stream ({@code rpc.call} with {@code stream:true}): {@link #stream()} is there. */
    default boolean streaming() {
        return false;
    }

    /**
     * The stream to the caller: send chunks on it before completing with the {@link RpcResult}
     * that ends the stream (docs/messaging.md, "Streams").
     *
     * @throws IllegalStateException when the caller did not ask for a stream ({@link #streaming()})
     */
    default RpcStream stream() {
        throw new IllegalStateException("the caller of " + name() + " did not ask for a stream");
    }
}
