package dev.switchboard.core;

import dev.switchboard.core.pubsub.Signal;
import dev.switchboard.core.session.Session;
import dev.switchboard.core.session.SessionEvent;
import dev.switchboard.core.session.SessionConnection;
import dev.switchboard.core.session.SessionRegistry;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;

/** A real {@link SessionConnection} that keeps delivered signals and disconnect codes; can be made full. */
final class TestSink implements SessionConnection {
    final BlockingQueue<String> signals = new LinkedBlockingQueue<>();
    final List<String> disconnects = new CopyOnWriteArrayList<>();
    volatile boolean full;

    /** A dflockd-style session (ended with its connection) with {@code sink} as its connection. */
    static Session open(SessionRegistry sessions, String remote, TestSink sink) {
        return ((SessionRegistry.Opened) sessions.open(sessions.dflockdPolicy(), "test", remote, null, sink)).session();
    }

    @Override
    public Delivery deliver(long seq, SessionEvent event) {
        if (full) return Delivery.FULL;
        if (event instanceof Signal s) signals.add(s.channel() + " " + s.payload());
        return Delivery.ACCEPTED;
    }

    @Override
    public void disconnect(String code, String message) {
        disconnects.add(code);
    }
}
