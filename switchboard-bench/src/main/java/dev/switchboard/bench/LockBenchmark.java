package dev.switchboard.bench;

import dev.switchboard.client.ClientEventLoops;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.HdrHistogram.Histogram;

/**
 * Runs the lock benchmark: every worker connects, does its warm-up ops, waits for the others, then
 * runs its measured ops; the wall clock covers the measured part only. Every loop is bounded by
 * a count, and the whole run by the duration limit.
 */
final class LockBenchmark {
    // Latencies above this are clamped; a single op that takes a minute is a failure anyway.
    private static final long MAX_TRACKED_NANOS = TimeUnit.MINUTES.toNanos(5);
    // How long after the duration limit we wait for workers before closing their connections.
    private static final Duration STOP_GRACE = Duration.ofSeconds(5);
    /** Rounds per chain of async calls during the warm-up. */
    private static final int WARMUP_CHAIN = 100;

    /** Where the Java client's connections run (json and json-async). */
    enum ClientLoop {
        /** Each worker's client owns its event loop; a worker blocked in a call reads its own answers. */
        own,
        /** Every worker's client on one shared I/O group, one thread per CPU. */
        shared
    }

    record Settings(LocksCommand.Protocol protocol, List<ServerAddress> servers, int workers, int rounds, int warmup,
                    Duration warmupTime, Duration warmupMaxTime, String keyPrefix, boolean sharedKey, boolean handoff, boolean spread,
                    ClientLoop clientLoop, boolean nativeClientTransport, Duration answerSpin, long leaseSeconds,
                    long timeoutSeconds, String authToken, Duration connectTimeout, Duration durationLimit, long serverPid) {
        /**
         * These settings for one slice of an interleaved comparison: {@code protocol} (its client on
         * {@code clientLoop}) on keys under
         * {@code keyPrefix}; with {@code warm} false, only the --warmup ops before the clock (the
         * JVM is warm from the slices before).
         */
        Settings slice(LocksCommand.Protocol protocol, ClientLoop clientLoop, String keyPrefix, boolean warm) {
            return new Settings(protocol, servers, workers, rounds, warmup, warm ? warmupTime : Duration.ZERO,
                    warm ? warmupMaxTime : Duration.ZERO, keyPrefix, sharedKey, handoff, spread, clientLoop,
                    nativeClientTransport, answerSpin, leaseSeconds, timeoutSeconds, authToken, connectTimeout, durationLimit, serverPid);
        }

        /** These settings against other servers: {@code servers}, whose process is {@code serverPid} (0: unknown). */
        Settings on(List<ServerAddress> servers, long serverPid) {
            return new Settings(protocol, servers, workers, rounds, warmup, warmupTime, warmupMaxTime, keyPrefix, sharedKey,
                    handoff, spread, clientLoop, nativeClientTransport, answerSpin, leaseSeconds, timeoutSeconds, authToken, connectTimeout,
                    durationLimit, serverPid);
        }

        String keyFor(int worker) {
            return sharedKey || handoff ? keyPrefix : keyPrefix + "_" + worker;
        }

        /** The server worker {@code worker} connects to: its key's shard, or round-robin with {@code spread}. */
        ServerAddress serverFor(int worker) {
            int index = spread ? worker % servers.size() : Sharding.index(keyFor(worker), servers.size());
            return servers.get(index);
        }

        String describe() {
            return String.format(Locale.ROOT,
                    "locks: protocol=%s servers=%s workers=%d rounds=%d warmup=%d warmup-seconds=%d warmup-max-seconds=%d key=%s shared-key=%s handoff=%s spread=%s%s lease=%ds timeout=%ds",
                    protocol.cliName(), servers, workers, rounds, warmup, warmupTime.toSeconds(), warmupMaxTime.toSeconds(), keyPrefix, sharedKey, handoff, spread,
                    protocol.usesJavaClient() ? " client-loop=" + clientLoop + " client-transport=" + (nativeClientTransport ? "native" : "nio")
                            + " answer-spin-us=" + (!nativeClientTransport ? "0" : answerSpin == null ? "default" : answerSpin.toNanos() / 1000) : "", leaseSeconds, timeoutSeconds);
        }
    }

    private final Settings settings;
    private final AtomicLong errors = new AtomicLong();
    private final AtomicReference<String> firstError = new AtomicReference<>();
    /**
     * In hand-off mode, when the current holder of the shared key started sending its release.
     * Only the holder writes it, and the next holder reads it after its grant arrived, which the
     * server sent only after it read that release.
     */
    private volatile long releaseSentNanos;
    /** Workers keep warming up while this is true (after their --warmup ops); the main thread ends it. */
    private volatile boolean warming = true;

    /** The Java client's I/O group when the caller keeps one across runs; null: each run makes its own. */
    private final EventLoopGroup givenGroup;
    /** The workers' connections when the caller keeps them across runs; null: each run connects and closes. */
    private final KeptConnections kept;

    LockBenchmark(Settings settings) {
        this(settings, null, null);
    }

    /**
     * With {@code group} (kept open) for the Java client's shared loop, instead of a group of the
     * run's own, and the workers' connections taken from {@code kept} (null: the run's own).
     */
    LockBenchmark(Settings settings, EventLoopGroup group, KeptConnections kept) {
        this.settings = settings;
        this.givenGroup = group;
        this.kept = kept;
    }

    /** An I/O group as a run with the shared client loop makes it: one thread per CPU, at most one per worker. */
    static EventLoopGroup newClientGroup(Settings settings) {
        int threads = Math.min(settings.workers(), Runtime.getRuntime().availableProcessors());
        return settings.nativeClientTransport() ? (settings.answerSpin() == null ? ClientEventLoops.newGroup(threads, "bench-io")
                        : ClientEventLoops.newGroup(threads, "bench-io", settings.answerSpin()))
                : new MultiThreadIoEventLoopGroup(threads, new DefaultThreadFactory("bench-io", true), NioIoHandler.newFactory());
    }

    Result run() {
        int n = settings.workers();
        long limitNanos = settings.durationLimit().toNanos();
        long begun = System.nanoTime();
        long deadline = begun + limitNanos;
        long warmupUntil = begun + Math.min(settings.warmupTime().toNanos(), limitNanos);
        long warmupCap = begun + Math.min(Math.max(settings.warmupTime().toNanos(), settings.warmupMaxTime().toNanos()), limitNanos);
        boolean sharedLoop = settings.protocol().usesJavaClient() && settings.clientLoop() == ClientLoop.shared;
        EventLoopGroup group = !sharedLoop ? null : givenGroup != null ? givenGroup : newClientGroup(settings);
        Worker[] workers = new Worker[n];
        CountDownLatch connected = new CountDownLatch(n);
        CountDownLatch ready = new CountDownLatch(n);
        CountDownLatch go = new CountDownLatch(1);
        List<Thread> threads = new ArrayList<>(n);
        try {
            for (int i = 0; i < n; i++) {
                workers[i] = new Worker(i, connected, ready, go, deadline, group);
                Thread t = new Thread(workers[i], "bench-worker-" + i);
                t.setDaemon(true);
                threads.add(t);
                t.start();
            }
            awaitQuietly(connected, deadline);
            boolean jitSettled = warmUp(warmupUntil, warmupCap);
            awaitQuietly(ready, deadline);
            ProcessCpu serverBefore = serverCpu();
            ProcessCpu cpuBefore = ProcessCpu.now();
            long compileBefore = JitSettling.compileMillis();
            long start = System.nanoTime();
            go.countDown();
            boolean allDone = joinAll(threads, deadline + STOP_GRACE.toNanos());
            long end = System.nanoTime();
            ProcessCpu cpu = ProcessCpu.now().since(cpuBefore);
            ProcessCpu server = serverCpu().since(serverBefore);
            long compileAfter = JitSettling.compileMillis();
            Warmup warmup = new Warmup(start - begun, jitSettled,
                    compileBefore < 0 || compileAfter < 0 ? -1 : compileAfter - compileBefore);
            if (!allDone) {
                // Workers blocked in a call past the limit: closing their sockets makes the call throw.
                for (Worker w : workers) {
                    w.discardConnection();
                }
                joinAll(threads, System.nanoTime() + STOP_GRACE.toNanos());
            }
            Histogram total = new Histogram(MAX_TRACKED_NANOS, 3);
            Histogram handoffs = new Histogram(MAX_TRACKED_NANOS, 3);
            long ops = 0;
            long timeouts = 0;
            for (int i = 0; i < n; i++) {
                if (!threads.get(i).isAlive()) {
                    total.add(workers[i].histogram);
                    handoffs.add(workers[i].handoffs);
                    ops += workers[i].completed;
                    timeouts += workers[i].timedOut;
                }
            }
            boolean capped = System.nanoTime() >= deadline;
            return new Result(ops, end - start, cpu, server, warmup, total, settings.handoff() ? handoffs : null, errors.get(), timeouts,
                    firstError.get(), capped);
        } finally {
            for (Worker w : workers) {
                if (w != null && kept == null) {
                    w.discardConnection();
                }
            }
            if (group != null && group != givenGroup) {
                group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            }
        }
    }

    /** The server's CPU so far, when the settings name its process (0: not measured). */
    private ProcessCpu serverCpu() {
        return settings.serverPid() > 0 ? ProcessCpu.ofPid(settings.serverPid()) : ProcessCpu.UNKNOWN;
    }

    /**
     * Lets the workers (all connected by now) warm up for the set time, then — with a longer cap
     * set — for as long as the JIT compiler is still busy, up to that cap; then tells them to stop.
     *
     * @return whether the compiler had settled (true when the cap is not above the set time)
     */
    private boolean warmUp(long warmupUntil, long warmupCap) {
        boolean settled = true;
        try {
            long left = warmupUntil - System.nanoTime();
            if (left > 0) {
                TimeUnit.NANOSECONDS.sleep(left);
            }
            // The connections, histograms and warm-up state are all live now: one full collection
            // tenures them, so that the client's own young collections during the measured part
            // do not copy them again and again (20-30 ms pauses on one core, counted as latency).
            // It runs inside the warm-up because it also unloads classes the warm-up no longer
            // uses (method-handle forms): compiled code that inlined them is thrown away and
            // compiled again, and that must happen before the JIT is judged settled, not after
            // the clock starts (it was up to 1.2 s of compiling inside a 1-2 s measured part).
            System.gc();
            if (warmupCap - warmupUntil > 0) {
                settled = new JitSettling().awaitSettled(warmupCap);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            warming = false;
        }
        return settled;
    }

    private static void awaitQuietly(CountDownLatch latch, long deadline) {
        try {
            latch.await(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static boolean joinAll(List<Thread> threads, long until) {
        for (Thread t : threads) {
            long left = until - System.nanoTime();
            try {
                if (left > 0) {
                    TimeUnit.NANOSECONDS.timedJoin(t, left);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
            if (t.isAlive()) {
                return false;
            }
        }
        return true;
    }

    private void recordError(Exception e) {
        errors.incrementAndGet();
        firstError.compareAndSet(null, e.toString());
    }

    private final class Worker implements Runnable {
        private final int index;
        private final CountDownLatch connected;
        private final CountDownLatch ready;
        private final CountDownLatch go;
        private final long deadline;
        private final EventLoopGroup group;
        final Histogram histogram = new Histogram(MAX_TRACKED_NANOS, 3);
        /** Release sent by the previous holder to this worker's grant received (hand-off mode). */
        final Histogram handoffs = new Histogram(MAX_TRACKED_NANOS, 3);
        volatile long completed;
        /** Acquires that timed out (measured part only, once the warm-up is forgotten). */
        volatile long timedOut;
        private volatile BenchConnection connection;

        Worker(int index, CountDownLatch connected, CountDownLatch ready, CountDownLatch go, long deadline, EventLoopGroup group) {
            this.index = index;
            this.connected = connected;
            this.ready = ready;
            this.go = go;
            this.deadline = deadline;
            this.group = group;
        }

        @Override
        public void run() {
            String key = settings.keyFor(index);
            try {
                try {
                    connection = kept != null ? kept.get(index, () -> open(settings.serverFor(index))) : open(settings.serverFor(index));
                } finally {
                    connected.countDown(); // failed or not: the main thread waits for every attempt
                }
                rounds(key, settings.warmup());
            } catch (Exception e) {
                recordError(e);
                discardConnection();
                ready.countDown();
                return;
            }
            forgetWarmup();
            ready.countDown();
            try {
                go.await();
                rounds(key, settings.rounds()); // warming is over by now: exactly this many
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (Exception e) {
                // A broken connection ends this worker; the others go on.
                recordError(e);
                discardConnection();
            }
        }

        /**
         * Runs {@code limit} rounds, and more while the warm-up lasts. Warm-up and measured part
         * run this same code, recording alike (the warm-up's figures are then forgotten): a path
         * that only the measured part took would be compiled, or deoptimized and compiled again,
         * after the clock started.
         */
        private void rounds(String key, int limit) throws Exception {
            if (connection instanceof JsonConnection json && settings.protocol() == LocksCommand.Protocol.json_async) {
                if (!warming) {
                    runAsync(json, key, limit);
                    return;
                }
                // The warm-up as many short chains, each started from this thread as the measured
                // one is: that start (a request sent from outside the client's I/O thread, then
                // the wait for the chain's end) is then as warm as the chain. Run once, the C2
                // code for the chain assumed it never happens and was thrown away at the clock's
                // start, then compiled again inside the measured part.
                for (int done = 0; (done < limit || warming) && System.nanoTime() < deadline; done += WARMUP_CHAIN) {
                    // Whole chains while the timed warm-up lasts; then only what --warmup still asks for.
                    runAsync(json, key, warming ? WARMUP_CHAIN : Math.min(WARMUP_CHAIN, limit - done));
                }
                return;
            }
            for (int i = 0; (i < limit || warming) && System.nanoTime() < deadline; i++) {
                op(key);
            }
        }

        private void forgetWarmup() {
            histogram.reset();
            handoffs.reset();
            completed = 0;
            timedOut = 0;
        }

        /**
         * The rounds as a chain of async calls: each answer's continuation, on the client's I/O
         * thread, records the round and sends the next request. This thread only waits for the
         * chain's end.
         */
        private void runAsync(JsonConnection json, String key, int limit) throws Exception {
            CompletableFuture<Void> done = new CompletableFuture<>();
            asyncRound(json, key, 0, limit, done);
            try {
                done.get(Math.max(0, deadline + STOP_GRACE.toNanos() - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (java.util.concurrent.ExecutionException e) {
                throw e.getCause() instanceof Exception ex ? ex : e;
            }
        }

        private void asyncRound(JsonConnection json, String key, int i, int limit, CompletableFuture<Void> done) {
            if (i >= limit || System.nanoTime() >= deadline) {
                done.complete(null);
                return;
            }
            long t0 = System.nanoTime();
            json.cycleAsync(key, settings.timeoutSeconds(), settings.leaseSeconds()).whenComplete((granted, e) -> {
                if (e != null) {
                    done.completeExceptionally(e);
                    return;
                }
                if (!granted) {
                    timedOut++;
                } else {
                    histogram.recordValue(Math.min(System.nanoTime() - t0, MAX_TRACKED_NANOS));
                    completed++;
                }
                asyncRound(json, key, i + 1, limit, done);
            });
        }

        private void op(String key) throws Exception {
            long t0 = System.nanoTime();
            String token = connection.acquire(key, settings.timeoutSeconds(), settings.leaseSeconds());
            if (token == null) {
                timedOut++;
                return;
            }
            if (settings.handoff()) {
                long granted = System.nanoTime();
                long released = releaseSentNanos;
                // A release sent before this request was: the key was free, no hand-off to time.
                if (released > t0) {
                    handoffs.recordValue(Math.min(granted - released, MAX_TRACKED_NANOS));
                }
                releaseSentNanos = System.nanoTime();
            }
            connection.release(key, token);
            histogram.recordValue(Math.min(System.nanoTime() - t0, MAX_TRACKED_NANOS));
            completed++;
        }

        private BenchConnection open(ServerAddress server) throws Exception {
            int connectMs = (int) settings.connectTimeout().toMillis();
            if (settings.protocol().usesJavaClient()) {
                return new JsonConnection(server, settings.authToken(), settings.connectTimeout(), group,
                        settings.nativeClientTransport(), settings.answerSpin());
            }
            // The read timeout covers the longest legitimate wait (the acquire timeout) plus slack.
            long readMs = TimeUnit.SECONDS.toMillis(settings.timeoutSeconds()) + 30_000;
            if (settings.protocol() == LocksCommand.Protocol.etcd) {
                return new EtcdConnection(server, settings.leaseSeconds(), settings.connectTimeout(), readMs);
            }
            if (settings.protocol() == LocksCommand.Protocol.redis) {
                return new RedisConnection(server, connectMs, (int) Math.min(Integer.MAX_VALUE, readMs));
            }
            return new DflockdConnection(server, settings.authToken(), connectMs, (int) Math.min(Integer.MAX_VALUE, readMs));
        }

        /** Closes this worker's connection (and, when kept across runs, forgets it: the next run opens another). */
        void discardConnection() {
            if (kept != null) {
                kept.discard(index);
            }
            BenchConnection c = connection;
            if (c != null) {
                c.close();
            }
        }
    }

    /** {@code handoffs} is null unless the run was in hand-off mode. */
    /**
     * How the warm-up went: its length (from the start to the clock), whether the JIT compiler had
     * settled by then, and how much compiling still happened in the measured part (ms; -1 unknown).
     */
    record Warmup(long nanos, boolean jitSettled, long compileMillisMeasured) {
    }

    /** {@code serverCpu} is unknown unless the settings name the server's process. */
    record Result(long ops, long wallNanos, ProcessCpu cpu, ProcessCpu serverCpu, Warmup warmup, Histogram latency, Histogram handoffs, long errors, long timeouts,
                  String firstError, boolean durationLimitReached) {
        boolean failed() {
            return ops == 0 || errors > 0;
        }

        double opsPerSecond() {
            return wallNanos <= 0 ? 0 : ops * 1e9 / wallNanos;
        }

        void print(PrintWriter out) {
            out.printf(Locale.ROOT, "total ops:  %d%n", ops);
            out.printf(Locale.ROOT, "errors:     %d%n", errors);
            out.printf(Locale.ROOT, "timeouts:   %d%n", timeouts);
            out.printf(Locale.ROOT, "wall time:  %.3f s%n", wallNanos / 1e9);
            out.printf(Locale.ROOT, "warm-up:    %.1f s (JIT %s; %s ms compiling while measured)%n", warmup.nanos() / 1e9,
                    warmup.jitSettled() ? "settled" : "still compiling at the cap",
                    warmup.compileMillisMeasured() < 0 ? "?" : Long.toString(warmup.compileMillisMeasured()));
            out.printf(Locale.ROOT, "ops/s:      %.1f%n", opsPerSecond());
            if (ops > 0) {
                out.printf(Locale.ROOT, "mean:       %.3f ms%n", latency.getMean() / 1e6);
                out.printf(Locale.ROOT, "min:        %.3f ms%n", latency.getMinValue() / 1e6);
                out.printf(Locale.ROOT, "p50:        %.3f ms%n", latency.getValueAtPercentile(50) / 1e6);
                out.printf(Locale.ROOT, "p99:        %.3f ms%n", latency.getValueAtPercentile(99) / 1e6);
                out.printf(Locale.ROOT, "max:        %.3f ms%n", latency.getMaxValue() / 1e6);
                out.printf(Locale.ROOT, "stdev:      %.3f ms%n", latency.getStdDeviation() / 1e6);
            }
            if (ops > 0 && cpu.known()) {
                // The load generator's own CPU per op, over the measured part: what it costs to drive the server.
                out.printf(Locale.ROOT, "client cpu: %.1f us/op (user %.1f, system %.1f)%n",
                        cpu.totalNanos() / 1e3 / ops, cpu.userNanos() / 1e3 / ops, cpu.systemNanos() / 1e3 / ops);
            }
            if (ops > 0 && serverCpu.known()) {
                // The server's CPU per op, all its threads, over the same part: with one client, what each op cost it.
                out.printf(Locale.ROOT, "server cpu: %.1f us/op (user %.1f, system %.1f)%n",
                        serverCpu.totalNanos() / 1e3 / ops, serverCpu.userNanos() / 1e3 / ops, serverCpu.systemNanos() / 1e3 / ops);
            }
            if (handoffs != null) {
                out.printf(Locale.ROOT, "handoffs:   %d%n", handoffs.getTotalCount());
            }
            if (handoffs != null && handoffs.getTotalCount() > 0) {
                out.printf(Locale.ROOT, "handoff p50: %.3f ms%n", handoffs.getValueAtPercentile(50) / 1e6);
                out.printf(Locale.ROOT, "handoff p99: %.3f ms%n", handoffs.getValueAtPercentile(99) / 1e6);
                out.printf(Locale.ROOT, "handoff p99.9: %.3f ms%n", handoffs.getValueAtPercentile(99.9) / 1e6);
                out.printf(Locale.ROOT, "handoff max: %.3f ms%n", handoffs.getMaxValue() / 1e6);
            }
            if (durationLimitReached) {
                out.println("note: the duration limit was reached; the run stopped early");
            }
            if (firstError != null) {
                out.println("first error: " + firstError);
            }
        }
    }
}
