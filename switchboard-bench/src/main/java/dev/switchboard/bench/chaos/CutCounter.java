package dev.switchboard.bench.chaos;

import java.util.Arrays;

/** The cuts a wire has had and when each happened, readable from the actor's thread. */
final class CutCounter {
    private long[] times = new long[16];
    private int cuts;

    /** Call just before cutting. */
    synchronized void cutting() {
        if (cuts == times.length) {
            times = Arrays.copyOf(times, cuts * 2);
        }
        times[cuts++] = System.nanoTime();
    }

    synchronized int cuts() {
        return cuts;
    }

    /** {@link System#nanoTime()} of cut number {@code n} (from 1). */
    synchronized long timeOf(int n) {
        return times[n - 1];
    }
}
