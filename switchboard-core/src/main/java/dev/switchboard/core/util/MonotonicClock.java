package dev.switchboard.core.util;

/** Monotonic time in nanoseconds; an interface so tests can move time by hand. */
@FunctionalInterface
public interface MonotonicClock {
    MonotonicClock SYSTEM = System::nanoTime;

    long nanoTime();
}
