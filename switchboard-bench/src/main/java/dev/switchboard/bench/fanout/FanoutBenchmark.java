package dev.switchboard.bench.fanout;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.IOException;
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
 * One fan-out run: N subscribers listen on one channel (all on one event-loop thread), then one
 * publisher pipelines fixed-size messages on it, at most {@code window} in flight, through a
 * warm-up and then a measured period (or a message count, whichever ends first); the run ends when
 * every subscriber has every message, or at a deadline.
 */
final class FanoutBenchmark {
    record Settings(FanoutProtocol protocol, String host, int port, int subscribers, String channel, int payloadBytes,
                    int window, long maxMessages, Duration warmup, Duration duration, Duration connectTimeout) {
        String describe() {
            return String.format(Locale.ROOT,
                    "fanout: protocol=%s server=%s:%d subscribers=%d channel=%s payload=%dB window=%d warmup=%ds duration=%ds max-messages=%d",
                    protocol, host, port, subscribers, channel, payloadBytes, window, warmup.toSeconds(), duration.toSeconds(), maxMessages);
        }
    }

    /** What a run measured; {@code error} is null when every subscriber got every message in order. */
    record Result(long messages, long deliveries, double seconds, Histogram latency, String error) {
        boolean failed() {
            return error != null;
        }

        double deliveriesPerSecond() {
            return seconds > 0 ? deliveries / seconds : 0;
        }

        void print(PrintWriter out) {
            out.printf(Locale.ROOT, "messages:      %d%n", messages);
            out.printf(Locale.ROOT, "deliveries:    %d%n", deliveries);
            out.printf(Locale.ROOT, "deliveries/s:  %.0f%n", deliveriesPerSecond());
            out.printf(Locale.ROOT, "messages/s:    %.0f%n", seconds > 0 ? messages / seconds : 0);
            out.printf(Locale.ROOT, "p50_us:        %.1f%n", latency.getValueAtPercentile(50) / 1000.0);
            out.printf(Locale.ROOT, "p99_us:        %.1f%n", latency.getValueAtPercentile(99) / 1000.0);
            out.printf(Locale.ROOT, "max_us:        %.1f%n", latency.getMaxValue() / 1000.0);
            out.printf(Locale.ROOT, "errors:        %d%n", error == null ? 0 : 1);
            if (error != null) out.println("first error:   " + error);
        }
    }

    /** Once every message is published, how long the last ones may take to reach everyone. */
    private static final Duration DRAIN_LIMIT = Duration.ofSeconds(30);
    private static final int BATCH = 64;

    private final Settings s;
    private final AtomicReference<String> failure = new AtomicReference<>();

    FanoutBenchmark(Settings settings) {
        this.s = settings;
    }

    Result run() throws InterruptedException {
        int window = Math.max(1, s.window());
        DeliveryTracker tracker = new DeliveryTracker(s.subscribers(), window);
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("fanout-subscribers", true),
                NioIoHandler.newFactory());
        List<Channel> channels = new ArrayList<>();
        List<SubscriberHandler> handlers = new ArrayList<>();
        try {
            CountDownLatch subscribed = new CountDownLatch(s.subscribers());
            Bootstrap b = new Bootstrap().group(group).channel(NioSocketChannel.class)
                    .option(ChannelOption.TCP_NODELAY, true)
                    .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) s.connectTimeout().toMillis());
            String hostHeader = s.host() + ":" + s.port();
            for (int i = 0; i < s.subscribers(); i++) {
                SubscriberHandler h = new SubscriberHandler(i, s.protocol(), s.channel(), hostHeader, tracker, subscribed, this::fail);
                handlers.add(h);
                ChannelFuture f = b.clone().handler(h).connect(s.host(), s.port());
                if (!f.await(s.connectTimeout().toMillis()) || !f.isSuccess()) {
                    return failed("subscriber " + i + " could not connect: " + f.cause());
                }
                channels.add(f.channel());
            }
            if (!subscribed.await(s.connectTimeout().toMillis(), TimeUnit.MILLISECONDS)) {
                return failed(orElse(failure.get(), (s.subscribers() - subscribed.getCount()) + " of " + s.subscribers()
                        + " subscribers were listening after " + s.connectTimeout().toSeconds() + " s"));
            }
            try (Publisher publisher = new Publisher(s.protocol(), s.host(), s.port(), (int) s.connectTimeout().toMillis(),
                    s.subscribers(), this::fail)) {
                return publish(publisher, tracker, window);
            } catch (IOException e) {
                return failed("publisher: " + e);
            }
        } finally {
            handlers.forEach(SubscriberHandler::stopping);
            channels.forEach(Channel::close);
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).await(5, TimeUnit.SECONDS);
        }
    }

    private Result publish(Publisher publisher, DeliveryTracker tracker, int window) throws IOException {
        long start = System.nanoTime();
        long warmupEnd = start + s.warmup().toNanos();
        long end = warmupEnd + s.duration().toNanos();
        long seq = 0;
        long measuredFrom = -1;
        long t0 = 0;
        StringBuilder batch = new StringBuilder();
        while (failure.get() == null) {
            long now = System.nanoTime();
            if (measuredFrom < 0 && now >= warmupEnd) {
                measuredFrom = seq;
                t0 = now;
                tracker.measureFrom(seq);
            }
            if (now >= end || (measuredFrom >= 0 && seq - measuredFrom >= s.maxMessages())) break;
            long done = tracker.fullyDelivered();
            long room = Math.min(done + window - seq, BATCH);
            if (measuredFrom >= 0) room = Math.min(room, measuredFrom + s.maxMessages() - seq);
            if (room <= 0) {
                tracker.awaitProgress(done);
                continue;
            }
            batch.setLength(0);
            for (long i = 0; i < room; i++, seq++) {
                batch.append(s.protocol().publish(s.channel(), seq, BenchPayload.of(seq, System.nanoTime(), s.payloadBytes())));
            }
            publisher.write(batch.toString());
        }
        long drainDeadline = System.nanoTime() + DRAIN_LIMIT.toNanos();
        while (failure.get() == null && tracker.fullyDelivered() < seq && System.nanoTime() < drainDeadline) {
            tracker.awaitProgress(tracker.fullyDelivered());
        }
        long t1 = System.nanoTime();
        if (failure.get() == null && tracker.fullyDelivered() < seq) {
            fail((seq - tracker.fullyDelivered()) + " messages had not reached every subscriber " + DRAIN_LIMIT.toSeconds()
                    + " s after the last publish");
        }
        long measured = measuredFrom < 0 ? 0 : seq - measuredFrom;
        String error = failure.get();
        if (error == null && tracker.outOfOrder() > 0) error = tracker.firstError();
        if (error == null && measured == 0) error = "no message was measured (is --duration too short?)";
        return new Result(measured, measured * s.subscribers(), measured == 0 ? 0 : (t1 - t0) / 1e9, tracker.latency(), error);
    }

    private void fail(String why) {
        failure.compareAndSet(null, why);
    }

    private Result failed(String why) {
        fail(why);
        return new Result(0, 0, 0, new Histogram(3), failure.get());
    }

    private static String orElse(String a, String b) {
        return a != null ? a : b;
    }
}
