package dev.switchboard.bench;

import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;

/**
 * Tells when a fresh JVM's JIT compiler has settled: how a benchmark's warm-up knows it may start
 * the clock. A run measured while the compiler still works is measured partly in the interpreter,
 * and pays for the compiler's threads on the load generator's own CPU; a client with more code on
 * its path (the Java client against a blocking socket) needs longer to settle, so a fixed warm-up
 * that suits one protocol measures another one's warm-up.
 *
 * <p>Settled means: less than {@link #QUIET_MILLIS} of compilation in the last
 * {@link #WINDOW_NANOS}. Where the JVM does not report compile time, it settles at once.
 */
final class JitSettling {
    static final long WINDOW_NANOS = TimeUnit.SECONDS.toNanos(2);
    static final long QUIET_MILLIS = 20;
    private static final long POLL_MILLIS = 100;

    private final CompilationMXBean compiler = ManagementFactory.getCompilationMXBean();
    /** (time, total compile millis) readings, oldest first, covering at least the window. */
    private final ArrayDeque<long[]> readings = new ArrayDeque<>();

    /** Compile time the JVM has spent so far, in ms; -1 when it does not say. */
    static long compileMillis() {
        CompilationMXBean c = ManagementFactory.getCompilationMXBean();
        return c != null && c.isCompilationTimeMonitoringSupported() ? c.getTotalCompilationTime() : -1;
    }

    /**
     * Blocks until the compiler has settled or {@code untilNanos} ({@link System#nanoTime()}) has
     * passed, whichever comes first.
     *
     * @return whether it settled
     */
    boolean awaitSettled(long untilNanos) throws InterruptedException {
        if (compiler == null || !compiler.isCompilationTimeMonitoringSupported()) {
            return true;
        }
        while (true) {
            long now = System.nanoTime();
            readings.addLast(new long[] {now, compiler.getTotalCompilationTime()});
            while (readings.size() > 1 && now - readings.peekFirst()[0] > WINDOW_NANOS && now - secondOldest()[0] >= WINDOW_NANOS) {
                readings.removeFirst();
            }
            long[] oldest = readings.peekFirst();
            if (now - oldest[0] >= WINDOW_NANOS && readings.peekLast()[1] - oldest[1] < QUIET_MILLIS) {
                return true;
            }
            if (now - untilNanos >= 0) {
                return false;
            }
            TimeUnit.MILLISECONDS.sleep(Math.min(POLL_MILLIS, Math.max(1, TimeUnit.NANOSECONDS.toMillis(untilNanos - now))));
        }
    }

    private long[] secondOldest() {
        var it = readings.iterator();
        it.next();
        return it.next();
    }
}
