package dev.switchboard.bench.relay;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import org.HdrHistogram.Histogram;

/**
 * One sender/receiver pair's books. The receiver's reading thread checks that every message arrives
 * once, in order, with its bytes intact, and records its latency; the sender reads how many arrived
 * to keep at most a window in flight, and the sender's reading thread counts the server's answers to
 * its sends.
 */
final class PairTracker implements RelayPeer.Inbox {
    private static final long MAX_TRACKED_NANOS = TimeUnit.SECONDS.toNanos(60);

    private final int pair;
    private final int payloadBytes;
    private final Consumer<String> failure;
    private final Histogram latency = new Histogram(MAX_TRACKED_NANOS, 3);
    private long expected;
    private volatile long received;
    private volatile long measureFromSeq = Long.MAX_VALUE;
    private volatile Thread waiter;

    PairTracker(int pair, int payloadBytes, Consumer<String> failure) {
        this.pair = pair;
        this.payloadBytes = payloadBytes;
        this.failure = failure;
    }

    /** On the receiver's reading thread. */
    @Override
    public void message(byte[] buf, int off, int len) {
        long seq = len >= RelayPayload.MIN_BYTES ? RelayPayload.seq(buf, off) : -1;
        if (seq != expected) {
            failure.accept("pair " + pair + " received message " + seq + ", expected " + expected);
            return; // not counted: the run then ends at its deadline, reported as failed
        }
        String bad = RelayPayload.mismatch(buf, off, len, seq, payloadBytes);
        if (bad != null) {
            failure.accept("pair " + pair + ": " + bad);
            return;
        }
        if (seq >= measureFromSeq) {
            latency.recordValue(Math.min(MAX_TRACKED_NANOS, Math.max(0, System.nanoTime() - RelayPayload.sentNanos(buf, off))));
        }
        expected = seq + 1;
        received = expected;
        Thread w = waiter;
        if (w != null) LockSupport.unpark(w);
    }

    /** Answers to sends are counted by a sender-side tracker; see {@link Acks}. */
    @Override
    public void acknowledged() {
        failure.accept("pair " + pair + ": the receiver got an answer to a send it did not make");
    }

    @Override
    public void failed(String why) {
        failure.accept("pair " + pair + ": " + why);
    }

    long received() {
        return received;
    }

    /** Latencies are recorded from message {@code seq} on (the ones before are the warm-up). */
    void measureFrom(long seq) {
        measureFromSeq = seq;
    }

    /** Parks the sender until more messages arrived than {@code seen}, or a moment passes. */
    void awaitProgress(long seen) {
        waiter = Thread.currentThread();
        if (received == seen) LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
        waiter = null;
    }

    /** Read once the receiver's reading thread has ended. */
    Histogram latency() {
        return latency;
    }

    /** The sender's side: counts the server's answers to its sends; a delivery to the sender is an error. */
    static final class Acks implements RelayPeer.Inbox {
        private final int pair;
        private final Consumer<String> failure;
        private volatile long acknowledged;

        Acks(int pair, Consumer<String> failure) {
            this.pair = pair;
            this.failure = failure;
        }

        @Override
        public void message(byte[] buf, int off, int len) {
            failure.accept("pair " + pair + ": the sender received a message nobody sent it");
        }

        @Override
        public void acknowledged() {
            acknowledged++; // one reading thread writes it
        }

        @Override
        public void failed(String why) {
            failure.accept("pair " + pair + " (sender): " + why);
        }

        long answered() {
            return acknowledged;
        }
    }
}
