package dev.switchboard.server.transport;

import dev.switchboard.core.time.NodeClock;
import io.netty.util.Timeout;
import io.netty.util.concurrent.EventExecutor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * A deadline of a connection on the node's clock, whose task runs on the connection's event
 * loop. Netty's own scheduling ({@code eventLoop().schedule}) follows real time only: its
 * {@code Ticker} cannot be swapped on a running loop, and a loop asleep in {@code select} would
 * not notice a virtual clock moving anyway. So the transports' protocol deadlines (handshake,
 * heartbeats, idle connections, read deadlines, long-poll timeouts, SSE pings) wait on the node's
 * timer and hop to the loop when due; a test's {@code VirtualClock.advance} fires them.
 * {@link #cancel()} called on the loop is final: a task already on its way to the loop is dropped.
 */
public final class LoopDeadline {
    private final NodeClock clock;
    private final EventExecutor loop;
    private final Runnable task;
    private final long periodNanos;
    private volatile boolean cancelled;
    private volatile Timeout timeout;

    private LoopDeadline(NodeClock clock, EventExecutor loop, Runnable task, long periodNanos) {
        this.clock = clock;
        this.loop = loop;
        this.task = task;
        this.periodNanos = periodNanos;
    }

    /** Runs {@code task} on {@code loop} once, {@code delay} from now on the node's clock. */
    public static LoopDeadline after(NodeClock clock, EventExecutor loop, long delay, TimeUnit unit, Runnable task) {
        LoopDeadline d = new LoopDeadline(clock, loop, task, 0);
        d.arm(unit.toNanos(delay));
        return d;
    }

    /** Runs {@code task} on {@code loop} every {@code period} on the node's clock until cancelled. */
    public static LoopDeadline every(NodeClock clock, EventExecutor loop, long period, TimeUnit unit, Runnable task) {
        long nanos = Math.max(1, unit.toNanos(period));
        LoopDeadline d = new LoopDeadline(clock, loop, task, nanos);
        d.arm(nanos);
        return d;
    }

    private void arm(long delayNanos) {
        if (cancelled) return;
        try {
            timeout = clock.timer().newTimeout(t -> fire(), delayNanos, TimeUnit.NANOSECONDS);
        } catch (IllegalStateException stopped) {
            // the node is stopping: its timer takes no more tasks, and the connection is closing
        }
    }

    private void fire() {
        // The next period counts from when this one fell due, not from when the loop got to it.
        if (periodNanos > 0) arm(periodNanos);
        try {
            loop.execute(() -> {
                if (!cancelled) task.run();
            });
        } catch (RejectedExecutionException loopStopped) {
            cancel(); // the connection's loop is shut down: nothing left to do on it
        }
    }

    public void cancel() {
        cancelled = true;
        Timeout t = timeout;
        if (t != null) t.cancel();
    }
}
