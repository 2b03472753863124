package dev.switchboard.server.transport.relay;

import io.netty.channel.EventLoop;
import io.netty.util.concurrent.ScheduledFuture;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * The server's side of the relay's health checks: a HealthCheck every interval, and a peer that
 * has not echoed one within the timeout is dead. All on the connection's event loop.
 */
final class HealthProbe {
    private final EventLoop loop;
    private final Duration interval;
    private final Duration timeout;
    private final Runnable send;
    private final Runnable dead;
    private ScheduledFuture<?> ticks;
    private ScheduledFuture<?> deadline;

    HealthProbe(EventLoop loop, Duration interval, Duration timeout, Runnable send, Runnable dead) {
        this.loop = loop;
        this.interval = interval;
        this.timeout = timeout;
        this.send = send;
        this.dead = dead;
    }

    void start() {
        long every = interval.toMillis();
        ticks = loop.scheduleAtFixedRate(this::tick, every, every, TimeUnit.MILLISECONDS);
    }

    private void tick() {
        send.run();
        // One deadline at a time: the oldest unanswered check is the one that counts.
        if (deadline == null) deadline = loop.schedule(dead, timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** The peer echoed (any HealthCheck from it is an echo, as the original counts it). */
    void echoed() {
        if (deadline != null) {
            deadline.cancel(false);
            deadline = null;
        }
    }

    void stop() {
        if (ticks != null) ticks.cancel(false);
        echoed();
    }
}
