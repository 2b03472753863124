package dev.switchboard.server.transport.http.dflockd;

import dev.switchboard.core.session.Session;
import java.net.InetAddress;
import java.util.ArrayDeque;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * A dflockd HTTP session: a core session (a virtual connection, as in dflockd's bridge) plus what
 * HTTP needs around it — when it was last seen, how many requests are in flight, and a queue that
 * runs its lock requests one at a time, so the session behaves like one TCP connection.
 */
public final class HttpSession {
    private final Session core;
    private final InetAddress ip;
    private final AtomicInteger inFlight = new AtomicInteger();
    private final ArrayDeque<Consumer<Runnable>> queue = new ArrayDeque<>();
    private volatile long lastSeenNanos = System.nanoTime();
    private boolean running;

    HttpSession(Session core, InetAddress ip) {
        this.core = core;
        this.ip = ip;
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

    void touch() {
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
    void exclusive(Consumer<Runnable> task) {
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
