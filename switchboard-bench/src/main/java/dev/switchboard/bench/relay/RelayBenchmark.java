package dev.switchboard.bench.relay;

import dev.switchboard.bench.ServerAddress;
import java.io.IOException;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.atomic.AtomicReference;
import org.HdrHistogram.Histogram;

/**
 * One relay run: N pairs of peers, each sender sending fixed-size messages to its partner as fast
 * as a window of messages in flight (sent, not yet received) allows, through a warm-up and then a
 * measured period (or a message count per pair, whichever ends first); the run ends when every
 * partner has every message, or at a deadline. One thread sends per pair, one reads per peer.
 */
final class RelayBenchmark {
    record Settings(RelayWire wire, FramingChoice framing, ServerAddress server, ServerAddress receiverServer, int pairs, int payloadBytes, int window, long maxMessages,
                    Duration warmup, Duration duration) {
        String describe() {
            return String.format(Locale.ROOT,
                    "relay: protocol=%s%s server=%s receiver-server=%s pairs=%d payload=%dB window=%d warmup=%ds duration=%ds max-messages=%d",
                    wire, wire == RelayWire.ws ? " framing=" + framing : "", server, receiverServer, pairs, payloadBytes, window, warmup.toSeconds(), duration.toSeconds(), maxMessages);
        }
    }

    /** What a run measured; {@code error} is null when every message arrived once, in order, intact. */
    record Result(long messages, long checked, long payloadBytes, double seconds, Histogram latency, String error) {
        boolean failed() {
            return error != null;
        }

        void print(PrintWriter out) {
            out.printf(Locale.ROOT, "messages:      %d%n", messages);
            out.printf(Locale.ROOT, "messages/s:    %.0f%n", seconds > 0 ? messages / seconds : 0);
            out.printf(Locale.ROOT, "bytes/s:       %.0f%n", seconds > 0 ? messages * payloadBytes / seconds : 0);
            out.printf(Locale.ROOT, "p50_us:        %.1f%n", latency.getValueAtPercentile(50) / 1000.0);
            out.printf(Locale.ROOT, "p99_us:        %.1f%n", latency.getValueAtPercentile(99) / 1000.0);
            out.printf(Locale.ROOT, "max_us:        %.1f%n", latency.getMaxValue() / 1000.0);
            out.printf(Locale.ROOT, "checked:       %d%s%n", checked,
                    error == null ? " messages (warm-up included), each received once, in order, with its bytes intact" : "");
            out.printf(Locale.ROOT, "errors:        %d%n", error == null ? 0 : 1);
            if (error != null) out.println("first error:   " + error);
        }
    }

    /** Once the senders stop, how long the last messages may take to arrive. */
    private static final Duration DRAIN_LIMIT = Duration.ofSeconds(30);
    private static final int BATCH = 32;

    private final Settings s;
    private final AtomicReference<String> failure = new AtomicReference<>();

    RelayBenchmark(Settings settings) {
        this.s = settings;
    }

    Result run() throws InterruptedException {
        List<RelayPeer> peers = new ArrayList<>();
        List<Thread> readers = new ArrayList<>();
        List<PairTracker> trackers = new ArrayList<>();
        List<PairTracker.Acks> acks = new ArrayList<>();
        String runId = Long.toString(ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE, 36);
        try {
            for (int i = 0; i < s.pairs(); i++) {
                RelayPeer sender = s.wire().open(s.server(), runId + "-" + i + "-s", s.framing().forPeer(null));
                peers.add(sender);
                RelayPeer receiver = s.wire().open(s.receiverServer(), runId + "-" + i + "-r", s.framing().forPeer(sender.address()));
                peers.add(receiver);
                PairTracker tracker = new PairTracker(i, s.payloadBytes(), this::fail);
                PairTracker.Acks ack = new PairTracker.Acks(i, this::fail);
                trackers.add(tracker);
                acks.add(ack);
                readers.add(reader(sender, ack, "relay-sender-reads-" + i));
                readers.add(reader(receiver, tracker, "relay-receiver-reads-" + i));
            }
        } catch (IOException e) {
            fail("could not connect a peer: " + e);
            peers.forEach(RelayPeer::close);
            return new Result(0, 0, s.payloadBytes(), 0, new Histogram(3), failure.get());
        }
        long warmupEnd = System.nanoTime() + s.warmup().toNanos();
        long end = warmupEnd + s.duration().toNanos();
        long[] sent = new long[s.pairs()];
        long[] measuredFrom = new long[s.pairs()];
        List<Thread> senders = new ArrayList<>();
        for (int i = 0; i < s.pairs(); i++) {
            int pair = i;
            Thread t = new Thread(() -> send(peers.get(2 * pair), peers.get(2 * pair + 1).address(), trackers.get(pair),
                    warmupEnd, end, sent, measuredFrom, pair), "relay-sender-" + i);
            t.setDaemon(true);
            senders.add(t);
            t.start();
        }
        long joinUntil = end + DRAIN_LIMIT.toNanos() + TimeUnit.SECONDS.toNanos(5);
        for (Thread t : senders) t.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(joinUntil - System.nanoTime())));
        long drainDeadline = System.nanoTime() + DRAIN_LIMIT.toNanos();
        for (int i = 0; i < s.pairs(); i++) {
            PairTracker tr = trackers.get(i);
            while (failure.get() == null && tr.received() < sent[i] && System.nanoTime() < drainDeadline) {
                tr.awaitProgress(tr.received());
            }
        }
        long t1 = System.nanoTime();
        if (s.wire().acknowledgesSends(s.framing())) {
            for (int i = 0; i < s.pairs(); i++) {
                while (failure.get() == null && acks.get(i).answered() < sent[i] && System.nanoTime() < drainDeadline) {
                    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1)); // answers trail the deliveries by little
                }
            }
        }
        peers.forEach(RelayPeer::close);
        for (Thread t : readers) t.join(5_000);
        long measured = 0;
        long checked = 0;
        Histogram latency = new Histogram(TimeUnit.SECONDS.toNanos(60), 3);
        for (int i = 0; i < s.pairs(); i++) {
            PairTracker tr = trackers.get(i);
            if (tr.received() < sent[i]) {
                fail("pair " + i + ": " + (sent[i] - tr.received()) + " of " + sent[i] + " messages did not arrive within "
                        + DRAIN_LIMIT.toSeconds() + " s");
            }
            if (s.wire().acknowledgesSends(s.framing()) && acks.get(i).answered() != sent[i]) {
                fail("pair " + i + ": " + acks.get(i).answered() + " of " + sent[i] + " sends were answered");
            }
            measured += sent[i] - measuredFrom[i];
            checked += tr.received();
            latency.add(tr.latency());
        }
        if (measured == 0) fail("no message was measured (is --duration too short?)");
        return new Result(measured, checked, s.payloadBytes(), (t1 - warmupEnd) / 1e9, latency, failure.get());
    }

    private Thread reader(RelayPeer peer, RelayPeer.Inbox inbox, String name) {
        Thread t = new Thread(() -> {
            try {
                peer.read(inbox);
            } catch (IOException | RuntimeException e) {
                inbox.failed(e.toString());
            }
        }, name);
        t.setDaemon(true);
        t.start();
        return t;
    }

    /** The sender's loop: sends in batches while the window has room, until the deadline or its count. */
    private void send(RelayPeer sender, String to, PairTracker tracker, long warmupEnd, long end, long[] sent,
                      long[] measuredFrom, int pair) {
        long seq = 0;
        long from = -1;
        try {
            while (failure.get() == null) {
                long now = System.nanoTime();
                if (from < 0 && now >= warmupEnd) {
                    from = seq;
                    tracker.measureFrom(seq);
                }
                if (now >= end || (from >= 0 && seq - from >= s.maxMessages())) break;
                long arrived = tracker.received();
                long room = Math.min(arrived + s.window() - seq, BATCH);
                if (from >= 0) room = Math.min(room, from + s.maxMessages() - seq);
                if (room <= 0) {
                    tracker.awaitProgress(arrived);
                    continue;
                }
                for (long i = 0; i < room; i++, seq++) {
                    sender.send(to, RelayPayload.of(seq, System.nanoTime(), s.payloadBytes()));
                }
                sender.flush();
            }
        } catch (IOException | RuntimeException e) {
            fail("pair " + pair + " (sender): " + e);
        }
        sent[pair] = seq;
        measuredFrom[pair] = from < 0 ? seq : from;
    }

    private void fail(String why) {
        failure.compareAndSet(null, why);
    }
}
