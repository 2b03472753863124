package dev.switchboard.bench;

import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;

/**
 * Tells when a fresh JVM's JIT compiler has settled: how a benchmark's warm-up knows it may start
 * the clock. A run measured while the compiler still works is measured partly in the interpreter,
 * and pays for the compiler's threads on the load generator's own CPU; a client with more code on
 * its path (the Java client against a blocking socket) needs longer to settle, so a fixed warm-up
 * that suits one protocol measures another one's warm-up.
 *
 * <p>Settled means: less than {@link #QUIET_MILLIS} of compiling in the last {@link #WINDOW_NANOS}.
 * On Linux that is the CPU time of the compiler's own threads (from {@code /proc/self/task}),
 * which counts a compilation while it runs; elsewhere the JVM's total compile time, which grows
 * only when one ends, so a long compilation starved of CPU by the workers can look like quiet.
 * Where neither is known, it settles at once.
 */
final class JitSettling {
    static final long WINDOW_NANOS = TimeUnit.SECONDS.toNanos(2);
    static final long QUIET_MILLIS = 20;
    private static final long POLL_MILLIS = 100;

    /** (time, total compile millis) readings, oldest first, covering at least the window. */
    private final ArrayDeque<long[]> readings = new ArrayDeque<>();

    /** Compiling done so far, in ms: the compiler threads' CPU time, else the JVM's compile time; -1 unknown. */
    static long compileMillis() {
        long threads = compilerThreadMillis();
        if (threads >= 0) {
            return threads;
        }
        CompilationMXBean c = ManagementFactory.getCompilationMXBean();
        return c != null && c.isCompilationTimeMonitoringSupported() ? c.getTotalCompilationTime() : -1;
    }

    /** User + system time of HotSpot's compiler threads ("C1 CompilerThre…", "C2 CompilerThre…"), in ms; -1 off Linux. */
    private static long compilerThreadMillis() {
        Path tasks = Path.of("/proc/self/task");
        if (!Files.isDirectory(tasks)) {
            return -1;
        }
        long nanos = 0;
        try (DirectoryStream<Path> all = Files.newDirectoryStream(tasks)) {
            for (Path task : all) {
                try {
                    String stat = Files.readString(task.resolve("stat"));
                    String name = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
                    if (name.contains("CompilerThre")) {
                        nanos += ProcessCpu.ofStatLine(stat).totalNanos();
                    }
                } catch (IOException | RuntimeException e) {
                    // The thread ended while we looked: its time no longer matters.
                }
            }
        } catch (IOException e) {
            return -1;
        }
        return nanos / 1_000_000;
    }

    /**
     * Blocks until the compiler has settled or {@code untilNanos} ({@link System#nanoTime()}) has
     * passed, whichever comes first.
     *
     * @return whether it settled
     */
    boolean awaitSettled(long untilNanos) throws InterruptedException {
        if (compileMillis() < 0) {
            return true;
        }
        while (true) {
            long now = System.nanoTime();
            readings.addLast(new long[] {now, compileMillis()});
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
