package dev.switchboard.core.rpc;

/**
 * An in-process handler of fire-and-forget messages ({@code rpc.notify}), registered by the
 * embedding program ({@code Switchboard.builder().onSignal(pattern, handler)}). Runs on one of the
 * node's I/O threads and must not block; an exception it throws is logged and otherwise ignored
 * (the sender gets no answer beyond its optional acknowledgement).
 */
@FunctionalInterface
public interface SignalHandler {
    void handle(RpcContext ctx);
}
