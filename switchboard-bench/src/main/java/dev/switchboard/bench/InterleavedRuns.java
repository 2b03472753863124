package dev.switchboard.bench;

import io.netty.channel.EventLoopGroup;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * {@code locks --versus}: two protocols measured in turns within one process, so that both see the
 * same moments of the machine.
 *
 * <p>Why: on a shared 2-core VM one run of a protocol and the next can differ by 30% for reasons of
 * the host alone (the system time per op of the same client swings from 45 to 110 µs), which
 * drowns a difference of a few percent between two protocols run one after the other. Here each
 * gets a full warm-up run first (the JVM then has compiled both paths), then short runs alternate
 * A, B, B, A, A, B... Each pair's ratio compares two runs a second or two apart; the median over
 * the pairs is the comparison, and the spread shows how much the machine moved meanwhile.
 *
 * <p>Two things would favour the protocol that ran last: the server's compiled code, shaped by one
 * protocol's warm-up, is recompiled once both run (so {@link #SETTLING_PAIRS} more pairs run
 * before any is counted), and a fresh I/O thread starts its loop in the interpreter (so the Java
 * client's shared I/O group, when it has one, is kept across all runs, as an application keeps it).
 */
final class InterleavedRuns {
    /** Pairs run after the warm-up runs and not counted. */
    static final int SETTLING_PAIRS = 3;

    private final LockBenchmark.Settings a;
    private final LockBenchmark.Settings b;
    private final int pairs;
    private final PrintWriter out;
    private EventLoopGroup groupA;
    private EventLoopGroup groupB;
    /** Each side's connections, kept across its runs; null when every run connects anew. */
    private final KeptConnections keptA;
    private final KeptConnections keptB;

    /**
     * Compares {@code a} with {@code b} (another protocol, or the same one on other servers); with
     * {@code keepConnections}, each side's workers keep their connections from run to run.
     */
    InterleavedRuns(LockBenchmark.Settings a, LockBenchmark.Settings b, int pairs, boolean keepConnections, PrintWriter out) {
        this.a = a;
        this.b = b;
        this.keptA = keepConnections ? new KeptConnections() : null;
        this.keptB = keepConnections ? new KeptConnections() : null;
        this.pairs = pairs;
        this.out = out;
    }

    /** Runs the warm-up runs and the pairs, printing as it goes; false when a run failed. */
    boolean run() {
        EventLoopGroup groupA = sharedLoop(a.protocol(), a.clientLoop()) ? LockBenchmark.newClientGroup(a) : null;
        EventLoopGroup groupB = sharedLoop(b.protocol(), b.clientLoop()) ? LockBenchmark.newClientGroup(b) : null;
        try {
            return run(groupA, groupB);
        } finally {
            for (KeptConnections k : new KeptConnections[] {keptA, keptB}) {
                if (k != null) {
                    k.close();
                }
            }
            for (EventLoopGroup g : new EventLoopGroup[] {groupA, groupB}) {
                if (g != null) {
                    g.shutdownGracefully(0, 1, TimeUnit.SECONDS);
                }
            }
        }
    }

    private static boolean sharedLoop(LocksCommand.Protocol p, LockBenchmark.ClientLoop loop) {
        return p.usesJavaClient() && loop == LockBenchmark.ClientLoop.shared;
    }

    private boolean run(EventLoopGroup groupA, EventLoopGroup groupB) {
        this.groupA = groupA;
        this.groupB = groupB;
        boolean twoServers = !a.servers().equals(b.servers());
        String nameA = a.protocol().cliName() + (twoServers ? "@" + a.servers().get(0) : "");
        String nameB = b.protocol().cliName() + (twoServers ? "@" + b.servers().get(0) : "");
        out.println(a.describe());
        if (twoServers) out.println("versus servers: " + b.servers());
        out.printf(Locale.ROOT, "versus: %s, %d pairs after a warm-up run of each and %d pairs not counted; %s%n", nameB, pairs, SETTLING_PAIRS,
                keptA != null ? "connections kept from run to run" : "each run connects anew");
        out.flush();
        for (boolean first : new boolean[] {true, false}) {
            LockBenchmark.Result warm = run(first ? nameA : nameB, "warm", first, true);
            if (warm == null) {
                return false;
            }
            out.printf(Locale.ROOT, "warm-up run %s: %.1f ops/s (warm-up %.1f s, JIT %s)%n", first ? nameA : nameB,
                    warm.opsPerSecond(), warm.warmup().nanos() / 1e9, warm.warmup().jitSettled() ? "settled" : "still compiling at the cap");
            out.flush();
        }
        List<LockBenchmark.Result> resultsA = new ArrayList<>();
        List<LockBenchmark.Result> resultsB = new ArrayList<>();
        double[] ratios = new double[pairs];
        int ahead = 0;
        for (int i = -SETTLING_PAIRS; i < pairs; i++) {
            // A then B, then B then A: neither always runs right after the other.
            boolean aFirst = (i & 1) == 0;
            LockBenchmark.Result ra = null;
            LockBenchmark.Result rb = null;
            for (int turn = 0; turn < 2; turn++) {
                boolean isA = (turn == 0) == aFirst;
                LockBenchmark.Result r = run(isA ? nameA : nameB, "p" + i, isA, false);
                if (r == null) {
                    return false;
                }
                if (isA) {
                    ra = r;
                } else {
                    rb = r;
                }
            }
            if (i < 0) {
                continue;
            }
            resultsA.add(ra);
            resultsB.add(rb);
            ratios[i] = ra.opsPerSecond() / rb.opsPerSecond();
            if (ratios[i] >= 1) {
                ahead++;
            }
            out.printf(Locale.ROOT, "pair %2d: %s %.1f ops/s p50 %.3f ms | %s %.1f ops/s p50 %.3f ms | ratio %.3f | client jit %d/%d ms%n", i + 1,
                    nameA, ra.opsPerSecond(), p50Millis(ra), nameB, rb.opsPerSecond(), p50Millis(rb), ratios[i],
                    ra.warmup().compileMillisMeasured(), rb.warmup().compileMillisMeasured());
            out.flush();
        }
        summary(nameA, resultsA);
        summary(nameB, resultsB);
        double[] sorted = ratios.clone();
        Arrays.sort(sorted);
        out.printf(Locale.ROOT, "ratio %s/%s: median %.3f (min %.3f, max %.3f) over %d pairs; %s at least as fast in %d of %d%n",
                nameA, nameB, median(sorted), sorted[0], sorted[sorted.length - 1], pairs, nameA, ahead, pairs);
        out.flush();
        return true;
    }

    /** One run of A ({@code isA}) or B; null (the reason printed) when it failed. */
    private LockBenchmark.Result run(String name, String slice, boolean isA, boolean warm) {
        LockBenchmark.Settings of = isA ? a : b;
        LockBenchmark.Settings s = of.slice(of.protocol(), of.clientLoop(),
                a.keyPrefix() + "-" + of.protocol().cliName() + (isA ? "" : "-b") + "-" + slice, warm);
        LockBenchmark.Result r = new LockBenchmark(s, isA ? groupA : groupB, isA ? keptA : keptB).run();
        if (r.failed()) {
            out.printf(Locale.ROOT, "%s run failed:%n", name);
            r.print(out);
            out.flush();
            return null;
        }
        return r;
    }

    private void summary(String name, List<LockBenchmark.Result> results) {
        double[] ops = results.stream().mapToDouble(LockBenchmark.Result::opsPerSecond).sorted().toArray();
        double[] p50 = results.stream().mapToDouble(InterleavedRuns::p50Millis).sorted().toArray();
        out.printf(Locale.ROOT, "%s: median %.1f ops/s (min %.1f, max %.1f), median p50 %.3f ms%s%s%n", name,
                median(ops), ops[0], ops[ops.length - 1], median(p50),
                cpuPerOp("client", results, LockBenchmark.Result::cpu), cpuPerOp("server", results, LockBenchmark.Result::serverCpu));
    }

    /** {@code , median <who> cpu T us/op (user U)} over the runs where it is known; empty when it never is. */
    private static String cpuPerOp(String who, List<LockBenchmark.Result> results, java.util.function.Function<LockBenchmark.Result, ProcessCpu> cpu) {
        List<LockBenchmark.Result> known = results.stream().filter(r -> cpu.apply(r).known()).toList();
        if (known.isEmpty()) {
            return "";
        }
        double[] total = known.stream().mapToDouble(r -> cpu.apply(r).totalNanos() / 1e3 / r.ops()).sorted().toArray();
        double[] user = known.stream().mapToDouble(r -> cpu.apply(r).userNanos() / 1e3 / r.ops()).sorted().toArray();
        return String.format(Locale.ROOT, ", median %s cpu %.1f us/op (user %.1f)", who, median(total), median(user));
    }

    private static double p50Millis(LockBenchmark.Result r) {
        return r.latency().getValueAtPercentile(50) / 1e6;
    }

    private static double median(double[] sorted) {
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }
}
