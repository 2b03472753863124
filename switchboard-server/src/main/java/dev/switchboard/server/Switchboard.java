package dev.switchboard.server;

import java.net.InetSocketAddress;

/**
 * A running Switchboard node, for embedding in another program and for tests.
 *
 * <pre>{@code
 * try (Switchboard sb = Switchboard.builder().port(0).maxLocks(100).start()) {
 *     int port = sb.port();
 *     ...
 * }
 * }</pre>
 */
public final class Switchboard implements AutoCloseable {
    private final SwitchboardNode node;

    private Switchboard(SwitchboardNode node) {
        this.node = node;
    }

    public static SwitchboardConfig.Builder builder() {
        return SwitchboardConfig.builder();
    }

    /** Binds the listener and starts serving; throws {@link IllegalStateException} when the port cannot be bound. */
    public static Switchboard start(SwitchboardConfig config) {
        return new Switchboard(SwitchboardNode.start(config));
    }

    public SwitchboardConfig config() {
        return node.config();
    }

    /** The bound port (useful with port 0). */
    public int port() {
        return node.address().getPort();
    }

    public InetSocketAddress address() {
        return node.address();
    }

    /** The port of the separate HTTP listener (--http-port), or 0 when there is none. */
    public int httpPort() {
        return node.httpAddress() == null ? 0 : node.httpAddress().getPort();
    }

    /**
     * What an embedding program knows of a session, parsed by {@code parser} from a snapshot of
     * it (id, attributes, subscriptions, last sequence number; never the resume key); empty when
     * there is no such resumable session.
     */
    public <T> java.util.Optional<T> sessionInfo(String sessionId,
                                                 dev.switchboard.core.session.store.SessionInfoParser<T> parser) {
        dev.switchboard.core.session.Session s = node.core().sessions().find(sessionId);
        if (s == null || s.isClosed() || !s.resumable()) return java.util.Optional.empty();
        return java.util.Optional.ofNullable(parser.parse(node.core().sessions().snapshot(s)));
    }

    /**
     * Sets attributes of a session as the server (keys under {@code server.} included, which
     * clients cannot change); a null value removes a key. Returns false when there is no such
     * session; throws {@link IllegalArgumentException} when the result would break the limits.
     */
    public boolean setSessionAttributes(String sessionId, java.util.Map<String, String> changes) {
        dev.switchboard.core.session.Session s = node.core().sessions().find(sessionId);
        if (s == null || s.isClosed()) return false;
        s.updateAttributes(changes);
        return true;
    }

    /**
     * The embedding program's hand on the resumable sessions: named messages to a session or one
     * connection, closing a session, counts, and {@code executeInSession} (see docs/embedding.md).
     */
    public dev.switchboard.server.embed.EmbeddedSessions sessions() {
        return node.embedding().sessions();
    }

    /**
     * Starts a graceful stop: stops accepting connections and answers every further request with
     * a draining error. Returns at once; {@link #close()} waits for the end.
     */
    public void drain() {
        node.drain();
    }

    public boolean isDraining() {
        return node.isDraining();
    }

    /** Drains, waits up to the shutdown timeout for connections to finish, then closes everything. */
    @Override
    public void close() {
        node.close();
    }
}
