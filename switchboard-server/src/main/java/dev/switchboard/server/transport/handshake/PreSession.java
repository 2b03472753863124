package dev.switchboard.server.transport.handshake;

import dev.switchboard.core.PreSessionConnections;
import io.netty.channel.Channel;
import io.netty.util.AttributeKey;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Ties a channel to the core's count of connections without a session: counted from
 * {@link #count} until {@link #settle} or its close, at most once at a time however often either
 * is called (detection inside TLS counts again; a WebSocket upgrade counts an HTTP connection anew).
 */
public final class PreSession {
    private static final AttributeKey<AtomicBoolean> COUNTED = AttributeKey.valueOf("switchboard.preSession");

    private PreSession() {
    }

    public static void count(Channel ch, PreSessionConnections connections) {
        AtomicBoolean fresh = new AtomicBoolean();
        AtomicBoolean counted = ch.attr(COUNTED).setIfAbsent(fresh);
        if (counted == null) {
            counted = fresh;
            ch.closeFuture().addListener(f -> settle(ch, connections));
        }
        if (counted.compareAndSet(false, true)) connections.opened();
        // A channel closed before the listener ran has had its settle already; count() after a
        // close must not leave it counted.
        if (!ch.isOpen()) settle(ch, connections);
    }

    public static void settle(Channel ch, PreSessionConnections connections) {
        AtomicBoolean counted = ch.attr(COUNTED).get();
        if (counted != null && counted.compareAndSet(true, false)) connections.settled();
    }
}
