package dev.switchboard.core.rpc;

import java.util.concurrent.CompletionStage;

/**
 * An in-process handler of requests, registered by the embedding program
 * ({@code Switchboard.builder().onRequest(pattern, handler)}). It is consulted before any backend
 * service that serves the same name.
 *
 * <p>{@link #handle} runs on one of the node's I/O threads and must not block: it returns a stage
 * that it (or anything it hands the work to) completes later, on any thread. A handler that
 * throws, returns null or completes the stage exceptionally gives its caller {@code internal}
 * with a generic message (the exception's text is not sent) and one log line; the caller's
 * connection keeps working. A stage not completed by the call's deadline gives {@code timeout};
 * completing it afterwards does nothing.
 */
@FunctionalInterface
public interface RpcHandler {
    CompletionStage<RpcResult> handle(RpcContext ctx);
}
