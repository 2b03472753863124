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
