package dev.switchboard.core.time;

import io.netty.util.HashedWheelTimer;
import io.netty.util.Timer;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.util.concurrent.TimeUnit;

/** Real time: {@link System#nanoTime()}, {@link System#currentTimeMillis()} and a hashed wheel timer. */
public final class SystemClock implements NodeClock, AutoCloseable {
    private final Timer timer;
    private final boolean ownsTimer;

    private SystemClock(Timer timer, boolean ownsTimer) {
        this.timer = timer;
        this.ownsTimer = ownsTimer;
    }

    /**
     * A clock with a timer thread of its own (one wheel for every timer of the node: waits,
     * leases, housekeeping; 10 ms ticks are finer than any timeout the protocols can express
     * that matters). {@link #close()} stops the thread.
     */
    public static SystemClock start() {
        return new SystemClock(new HashedWheelTimer(new DefaultThreadFactory("switchboard-timer", true), 10,
                TimeUnit.MILLISECONDS, 512), true);
    }

    /** Real time over a timer someone else owns (null: a clock that cannot schedule). */
    public static SystemClock over(Timer timer) {
        return new SystemClock(timer, false);
    }

    @Override
    public long nanoTime() {
        return System.nanoTime();
    }

    @Override
    public long currentTimeMillis() {
        return System.currentTimeMillis();
    }

    @Override
    public Timer timer() {
        return timer;
    }

    /** Stops the timer's thread when this clock started it; tasks not yet run are dropped. */
    @Override
    public void close() {
        if (ownsTimer) timer.stop();
    }
}
