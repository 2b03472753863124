package dev.switchboard.server.embed;

/**
 * Consulted before a native client connection (JSON lines, frames, the Unix socket, WebSocket)
 * is attached to the session it opened or resumed, and before the client gets its welcome. Runs
 * on the node's hook threads (see {@link EmbeddingHooks}), never on an I/O thread, so it may block
 * (a database query); the client waits meanwhile, at most the handshake timeout.
 *
 * <p>A hook that throws never costs the client its connection: the exception is logged and
 * counted ({@code switchboard_hook_failures_total{hook="connect"}}) and the connection is
 * accepted. A hook that must fail closed catches its own exceptions and returns
 * {@link ConnectDecision#refuse}.
 */
@FunctionalInterface
public interface ConnectHook {
    ConnectDecision onConnect(ConnectInfo connection) throws Exception;
}
