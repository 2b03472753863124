package dev.switchboard.core.time;

import dev.switchboard.core.util.MonotonicClock;
import io.netty.util.Timer;

/**
 * The one source of time of a node: every lease, grace period, idle timeout, heartbeat and
 * deadline reads it and schedules on its timer, so that a test (or an embedder's test) can run
 * the whole node on {@link VirtualClock} and move time by hand instead of waiting it out.
 * {@link SystemClock} is the real one.
 */
public interface NodeClock extends MonotonicClock {
    /** Monotonic time in nanoseconds, for durations only (its origin means nothing). */
    @Override
    long nanoTime();

    /** Wall-clock time in milliseconds since the epoch, for timestamps shown to people. */
    long currentTimeMillis();

    /** The timer every delayed task of the node is scheduled on; it follows {@link #nanoTime()}. */
    Timer timer();
}
