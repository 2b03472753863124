package dev.switchboard.server.transport.http;

import dev.switchboard.core.session.Outbox;
import dev.switchboard.core.session.Session;
import dev.switchboard.core.session.SessionSink;
import java.net.InetAddress;
import java.util.ArrayDeque;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * A dflockd HTTP session: a core session (a virtual connection, as in dflockd's bridge) plus what
 * HTTP needs around it — when it was last seen, how many requests are in flight, and a queue that
 * runs its lock requests one at a time, so the session behaves like one TCP connection.
 */
public final class HttpSession implements SessionSink {
    private final Outbox outbox;
    private Session core;
    private final InetAddress ip;
    private final AtomicInteger inFlight = new AtomicInteger();
    private final ArrayDeque<Consumer<Runnable>> queue = new ArrayDeque<>();
    private final java.util.List<Runnable> onEnd = new java.util.concurrent.CopyOnWriteArrayList<>();
    private volatile long lastSeenNanos = System.nanoTime();
    private boolean running;

    HttpSession(InetAddress ip, int bufferedEvents) {
        this.ip = ip;
        this.outbox = new Outbox(bufferedEvents);
    }

    void attach(Session core) {
        this.core = core;
    }

    private volatile String keyVerifier;

    /** Gives the session a resume key (native HTTP sessions); returns the key, to be shown once. */
    public String issueKey() {
        String key = dev.switchboard.core.session.store.SecureSessionKeys.INSTANCE.newResumeKey();
        keyVerifier = dev.switchboard.core.session.store.SessionKeys.verifier(key);
        return key;
    }

    /** True when the session has no key (dflockd HTTP sessions), or {@code presented} is it (constant time). */
    public boolean keyMatches(String presented) {
        String v = keyVerifier;
        return v == null || dev.switchboard.core.session.store.SessionKeys.matches(presented, v);
    }

    /** Events waiting for an SSE stream or a long-poll of this session. */
    public Outbox outbox() {
        return outbox;
    }

    /** Signals are queued in the outbox; when it is full the oldest event is dropped (a gap the client sees). */
    @Override
    public boolean pushSignal(String channel, String payload) {
        java.util.Map<String, Object> event = new java.util.LinkedHashMap<>();
        event.put("op", "signal");
        event.put("channel", channel);
        event.put("payload", payload);
        outbox.append(event);
        return true;
    }

    @Override
    public void disconnect(String reason) {
        // nothing to cut: an HTTP session has no connection of its own
    }

    /**
     * Runs {@code action} when the session is deleted or reaped (at once if it already was).
     * Returns what removes the hook, for a reader that ends first.
     */
    public Runnable onEnd(Runnable action) {
        onEnd.add(action);
        if (core != null && core.isClosed() && onEnd.remove(action)) action.run();
        return () -> onEnd.remove(action);
    }

    void ended() {
        for (Runnable r : onEnd) r.run();
        onEnd.clear();
    }

    /** Counts an open event stream as activity, so that the session is not reaped under it. */
    public void streamOpened() {
        inFlight.incrementAndGet();
    }

    public void streamClosed() {
        inFlight.decrementAndGet();
        touch();
    }

    public Session core() {
        return core;
    }

    public String id() {
        return core.id();
    }

    InetAddress ip() {
        return ip;
    }

    public void touch() {
        lastSeenNanos = System.nanoTime();
    }

    long lastSeenNanos() {
        return lastSeenNanos;
    }

    int inFlight() {
        return inFlight.get();
    }

    /**
     * Runs {@code task} once every earlier task of this session has called its {@code done}; the
     * task must call {@code done} exactly once when its request is answered.
     */
    public void exclusive(Consumer<Runnable> task) {
        inFlight.incrementAndGet();
        synchronized (this) {
            if (running) {
                queue.add(task);
                return;
            }
            running = true;
        }
        run(task);
    }

    private void run(Consumer<Runnable> task) {
        boolean[] called = {false};
        task.accept(() -> {
            synchronized (called) {
                if (called[0]) return;
                called[0] = true;
            }
            inFlight.decrementAndGet();
            touch();
            Consumer<Runnable> next;
            synchronized (this) {
                next = queue.poll();
                if (next == null) running = false;
            }
            if (next != null) run(next);
        });
    }
}
