package dev.switchboard.bench.rpc;

import dev.switchboard.bench.ServerAddress;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.HdrHistogram.Histogram;

/**
 * Request/reply round trips through a queue group of responders: each caller thread sends a
 * request and waits for its reply, again and again; each responder thread answers requests with
 * their payload. Warm-up first, unmeasured; then the measured part, bounded by a count per caller
 * and a duration.
 */
final class RpcBenchmark {
    private static final long MAX_TRACKED_NANOS = TimeUnit.MINUTES.toNanos(1);

    record Settings(RpcWire wire, ServerAddress server, ServerAddress responderServer, int callers, int responders, int payloadBytes, long maxCalls,
                    Duration warmup, Duration duration) {
        String describe() {
            return String.format(Locale.ROOT, "rpc: protocol=%s server=%s responder-server=%s callers=%d responders=%d payload=%dB warmup=%ds duration=%ds",
                    wire, server, responderServer, callers, responders, payloadBytes, warmup.toSeconds(), duration.toSeconds());
        }
    }

    record Result(long calls, long wallNanos, Histogram latency, String error) {
        boolean failed() {
            return calls == 0 || error != null;
        }

        void print(PrintWriter out) {
            out.printf(Locale.ROOT, "calls:      %d%n", calls);
            out.printf(Locale.ROOT, "calls/s:    %.1f%n", wallNanos <= 0 ? 0 : calls * 1e9 / wallNanos);
            if (calls > 0) {
                out.printf(Locale.ROOT, "p50:        %.3f ms%n", latency.getValueAtPercentile(50) / 1e6);
                out.printf(Locale.ROOT, "p99:        %.3f ms%n", latency.getValueAtPercentile(99) / 1e6);
                out.printf(Locale.ROOT, "max:        %.3f ms%n", latency.getMaxValue() / 1e6);
            }
            if (error != null) {
                out.println("first error: " + error);
            }
        }
    }

    private final Settings settings;
    private final AtomicReference<String> firstError = new AtomicReference<>();

    RpcBenchmark(Settings settings) {
        this.settings = settings;
    }

    Result run() throws InterruptedException {
        String name = "bench.echo";
        String payload = "x".repeat(settings.payloadBytes());
        List<RpcWire.Responder> responders = new ArrayList<>();
        List<Thread> threads = new ArrayList<>();
        List<RpcWire.Caller> callers = new ArrayList<>();
        try {
            for (int i = 0; i < settings.responders(); i++) {
                RpcWire.Responder r = settings.wire().responder(settings.responderServer(), name, "echoers");
                responders.add(r);
                Thread t = new Thread(() -> serve(r), "rpc-responder-" + i);
                t.setDaemon(true);
                t.start();
            }
            for (int i = 0; i < settings.callers(); i++) {
                callers.add(settings.wire().caller(settings.server(), i, name));
            }
        } catch (Exception e) {
            record(e);
            close(callers, responders);
            return new Result(0, 0, new Histogram(MAX_TRACKED_NANOS, 3), firstError.get());
        }
        long warmupEnd = System.nanoTime() + settings.warmup().toNanos();
        CountDownLatch warm = new CountDownLatch(settings.callers());
        CountDownLatch go = new CountDownLatch(1);
        long[] counts = new long[settings.callers()];
        Histogram[] histograms = new Histogram[settings.callers()];
        long[] bounds = new long[2]; // start, end of the measured part
        for (int i = 0; i < settings.callers(); i++) {
            int index = i;
            histograms[i] = new Histogram(MAX_TRACKED_NANOS, 3);
            Thread t = new Thread(() -> {
                RpcWire.Caller c = callers.get(index);
                try {
                    while (System.nanoTime() < warmupEnd) {
                        check(c.call(payload), payload);
                    }
                    warm.countDown();
                    go.await();
                    long end = bounds[1];
                    for (long n = 0; n < settings.maxCalls() && System.nanoTime() < end; n++) {
                        long t0 = System.nanoTime();
                        check(c.call(payload), payload);
                        histograms[index].recordValue(Math.min(System.nanoTime() - t0, MAX_TRACKED_NANOS));
                        counts[index]++;
                    }
                } catch (Exception e) {
                    record(e);
                    warm.countDown();
                }
            }, "rpc-caller-" + i);
            t.setDaemon(true);
            threads.add(t);
            t.start();
        }
        warm.await(settings.warmup().toSeconds() + 60, TimeUnit.SECONDS);
        bounds[0] = System.nanoTime();
        bounds[1] = bounds[0] + settings.duration().toNanos();
        go.countDown();
        long joinUntil = bounds[1] + TimeUnit.SECONDS.toNanos(30);
        for (Thread t : threads) {
            t.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(joinUntil - System.nanoTime())));
        }
        long wall = System.nanoTime() - bounds[0];
        close(callers, responders);
        Histogram all = new Histogram(MAX_TRACKED_NANOS, 3);
        long total = 0;
        for (int i = 0; i < settings.callers(); i++) {
            all.add(histograms[i]);
            total += counts[i];
        }
        return new Result(total, wall, all, firstError.get());
    }

    private void serve(RpcWire.Responder r) {
        try {
            while (true) {
                r.serveOne();
            }
        } catch (Exception e) {
            // Closed at the end of the run: the responder's read fails, which ends its loop.
        }
    }

    private static void check(String got, String sent) throws java.io.IOException {
        if (!got.equals(sent)) {
            throw new java.io.IOException("the reply's payload differs from the request's");
        }
    }

    private void record(Exception e) {
        firstError.compareAndSet(null, e.toString());
    }

    private static void close(List<RpcWire.Caller> callers, List<RpcWire.Responder> responders) {
        callers.forEach(RpcWire.Caller::close);
        responders.forEach(RpcWire.Responder::close);
    }
}
