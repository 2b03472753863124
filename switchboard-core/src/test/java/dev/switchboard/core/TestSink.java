package dev.switchboard.core;

import dev.switchboard.core.session.SessionSink;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;

/** A real {@link SessionSink} that keeps pushed signals and disconnect reasons; can be made full. */
final class TestSink implements SessionSink {
    final BlockingQueue<String> signals = new LinkedBlockingQueue<>();
    final List<String> disconnects = new CopyOnWriteArrayList<>();
    volatile boolean full;

    @Override
    public boolean pushSignal(String channel, String payload) {
        if (full) return false;
        signals.add(channel + " " + payload);
        return true;
    }

    @Override
    public void disconnect(String reason) {
        disconnects.add(reason);
    }
}
