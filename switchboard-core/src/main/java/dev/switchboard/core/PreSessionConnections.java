package dev.switchboard.core;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Connections accepted that have no session yet: still being detected, or native connections
 * waiting for their hello to be answered. dflockd counts every accepted connection in
 * {@code stats.connections}; counting these beside the sessions does the same, so that a crowd of
 * connections that never finish their handshake shows. Also counts the ones cut by the handshake
 * deadline. The transports report; the core only adds up.
 */
public final class PreSessionConnections {
    private final AtomicInteger open = new AtomicInteger();
    private final AtomicLong cutByHandshakeDeadline = new AtomicLong();

    public void opened() {
        open.incrementAndGet();
    }

    /** The connection got its session, turned out not to be counted (plain HTTP), or closed. */
    public void settled() {
        open.decrementAndGet();
    }

    public int count() {
        return open.get();
    }

    public void cutByHandshakeDeadline() {
        cutByHandshakeDeadline.incrementAndGet();
    }

    public long cutByHandshakeDeadlineTotal() {
        return cutByHandshakeDeadline.get();
    }
}
