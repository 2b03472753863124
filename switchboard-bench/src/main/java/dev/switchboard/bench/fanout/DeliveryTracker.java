package dev.switchboard.bench.fanout;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;

/**
 * Counts deliveries on the subscribers' one event-loop thread: checks that each subscriber gets
 * every message in order, records each delivery's latency, and tells the publisher how many
 * messages every subscriber has received, so that it keeps at most a window of messages in flight
 * (a server never holds more than that for a subscriber, whatever its buffer bounds).
 */
final class DeliveryTracker {
    private static final long MAX_TRACKED_NANOS = TimeUnit.SECONDS.toNanos(60);

    private final int subscribers;
    private final long[] expected;
    /** How many subscribers got message {@code seq}, at {@code seq & mask}; a slot is reused once all did. */
    private final int[] ring;
    private final int mask;
    private final Histogram latency = new Histogram(MAX_TRACKED_NANOS, 3);
    private long fullyDeliveredLocal;
    /** Messages (from 0) that every subscriber has received; read by the publisher. */
    private volatile long fullyDelivered;
    private volatile long measureFromSeq = Long.MAX_VALUE;
    private volatile Thread waiter;
    private long outOfOrder;
    private String firstError;

    DeliveryTracker(int subscribers, int window) {
        this.subscribers = subscribers;
        this.expected = new long[subscribers];
        int size = Integer.highestOneBit(Math.max(2, window) * 2 - 1) << 1;
        this.ring = new int[size];
        this.mask = size - 1;
    }

    /** The ring must hold every message in flight: the publisher's window may not exceed this. */
    int capacity() {
        return ring.length;
    }

    /** On the subscribers' thread: subscriber {@code sub} got message {@code seq}, sent at {@code sentNanos}. */
    void delivered(int sub, long seq, long sentNanos) {
        if (seq != expected[sub]) {
            outOfOrder++;
            if (firstError == null) firstError = "subscriber " + sub + " got message " + seq + ", expected " + expected[sub];
            return; // not counted: the run then stalls and ends at its deadline, reported as failed
        }
        expected[sub] = seq + 1;
        if (seq >= measureFromSeq) latency.recordValue(Math.min(MAX_TRACKED_NANOS, Math.max(0, System.nanoTime() - sentNanos)));
        int slot = (int) (seq & mask);
        if (++ring[slot] < subscribers) return;
        // Messages complete in order for a subscriber, but not across them: advance over every full slot.
        while (ring[(int) (fullyDeliveredLocal & mask)] == subscribers) {
            ring[(int) (fullyDeliveredLocal & mask)] = 0;
            fullyDeliveredLocal++;
        }
        fullyDelivered = fullyDeliveredLocal;
        Thread w = waiter;
        if (w != null) LockSupport.unpark(w);
    }

    long fullyDelivered() {
        return fullyDelivered;
    }

    /** Latencies are recorded from message {@code seq} on (the ones before are the warm-up). */
    void measureFrom(long seq) {
        measureFromSeq = seq;
    }

    /** Parks the calling (publisher) thread until more messages are fully delivered, or a moment passes. */
    void awaitProgress(long seen) {
        waiter = Thread.currentThread();
        if (fullyDelivered == seen) LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
        waiter = null;
    }

    /** Read after the subscribers' thread is stopped. */
    Histogram latency() {
        return latency;
    }

    long outOfOrder() {
        return outOfOrder;
    }

    String firstError() {
        return firstError;
    }
}
