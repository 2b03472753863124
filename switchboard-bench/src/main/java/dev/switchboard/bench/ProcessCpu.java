package dev.switchboard.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The CPU time this process has used so far, split into user and system time where the platform
 * tells them apart. A benchmark reads it before and after its measured part: on a machine where
 * the load generator has one CPU, its CPU per operation is what limits its throughput.
 */
record ProcessCpu(long userNanos, long systemNanos) {
    /** What could not be read ({@link #known()} false). */
    static final ProcessCpu UNKNOWN = new ProcessCpu(-1, -1);

    /** Linux's clock tick for {@code /proc/self/stat} (USER_HZ, 100 on every mainstream kernel). */
    private static final long NANOS_PER_TICK = 10_000_000L;

    static ProcessCpu now() {
        ProcessCpu fromProc = fromProcStat();
        if (fromProc != null) {
            return fromProc;
        }
        // Elsewhere: the JVM's total, all counted as user time.
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            long total = os.getProcessCpuTime();
            if (total >= 0) {
                return new ProcessCpu(total, 0);
            }
        }
        return UNKNOWN;
    }

    boolean known() {
        return userNanos >= 0;
    }

    long totalNanos() {
        return userNanos + systemNanos;
    }

    ProcessCpu since(ProcessCpu earlier) {
        if (!known() || !earlier.known()) {
            return UNKNOWN;
        }
        return new ProcessCpu(userNanos - earlier.userNanos, systemNanos - earlier.systemNanos);
    }

    private static ProcessCpu fromProcStat() {
        return ofProcess("self");
    }

    /**
     * The CPU time process {@code pid} of this machine has used so far (Linux's {@code /proc}),
     * or unknown ({@link #known()} false) when it cannot be read.
     */
    static ProcessCpu ofPid(long pid) {
        ProcessCpu cpu = ofProcess(Long.toString(pid));
        return cpu != null ? cpu : UNKNOWN;
    }

    private static ProcessCpu ofProcess(String pid) {
        try {
            return ofStatLine(Files.readString(Path.of("/proc", pid, "stat")));
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /**
     * The user and system time in a {@code /proc/<pid>/stat} or {@code /proc/<pid>/task/<tid>/stat}
     * line: fields 14 and 15, counted after the command name (which may hold spaces).
     */
    static ProcessCpu ofStatLine(String stat) {
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        // f[0] is field 3 (state), so utime (field 14) is f[11] and stime (field 15) f[12].
        return new ProcessCpu(Long.parseLong(f[11]) * NANOS_PER_TICK, Long.parseLong(f[12]) * NANOS_PER_TICK);
    }
}
