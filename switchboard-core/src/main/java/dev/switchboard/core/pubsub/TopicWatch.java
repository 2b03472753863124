package dev.switchboard.core.pubsub;

import java.util.ArrayDeque;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.function.Consumer;
import java.util.function.IntSupplier;

/**
 * One session's join/leave watch of one topic: the topic tree tells it of each subscription of the
 * topic added or removed, under the subscriber's lock, and the watch only records it and returns,
 * so that subscribes and unsubscribes never wait for a watcher. Events go to the session on an
 * executor, one drain at a time, in the order they were recorded.
 *
 * <p><b>Overflow</b> (as a presence watch's): at most {@code maxQueued} events wait. One more and
 * the waiting events are dropped and the watch stops recording until its next drain, which sends
 * {@code topic.presence.resync} with the topic's count read then; recording starts again just
 * before that read, so every change after it comes as an event after the resync.
 */
final class TopicWatch {
    private final Object lock = new Object();
    private final String topic;
    private final Consumer<Map<String, Object>> emit;
    private final Executor executor;
    private final int maxQueued;
    private final Runnable overflowed;
    private final IntSupplier count;
    /** Guarded by {@link #lock}: events recorded and not yet handed to the session. */
    private ArrayDeque<Map<String, Object>> queue = new ArrayDeque<>();
    /** Guarded by {@link #lock}: events were dropped; nothing is recorded until the resync. */
    private boolean dropping;
    private boolean started;
    private boolean drainScheduled;
    private boolean closed;

    /**
     * @param count      the topic's subscription count now (for the resync)
     * @param overflowed told each time events are dropped (under the subscriber's lock: it must only count)
     */
    TopicWatch(String topic, Consumer<Map<String, Object>> emit, Executor executor, int maxQueued, IntSupplier count,
               Runnable overflowed) {
        if (maxQueued < 1) throw new IllegalArgumentException("maxQueued must be at least 1");
        this.topic = topic;
        this.emit = emit;
        this.executor = executor;
        this.maxQueued = maxQueued;
        this.count = count;
        this.overflowed = overflowed;
    }

    /** From now on, events reach the session (after its answer, so the client knows the watch first). */
    void start() {
        boolean schedule;
        synchronized (lock) {
            started = true;
            schedule = !closed && (!queue.isEmpty() || dropping) && !drainScheduled;
            if (schedule) drainScheduled = true;
        }
        if (schedule) executor.execute(this::drain);
    }

    /** Drops what waits; nothing more is recorded. */
    void close() {
        synchronized (lock) {
            closed = true;
            queue.clear();
        }
    }

    /** Under the subscriber's lock: record and return. */
    void changed(String event, String peer) {
        boolean schedule = false;
        boolean dropped = false;
        synchronized (lock) {
            if (closed || dropping) return; // while dropping, the coming resync covers this change
            if (queue.size() >= maxQueued) {
                queue.clear();
                dropping = true;
                dropped = true;
            } else {
                Map<String, Object> e = new LinkedHashMap<>();
                e.put("op", event);
                e.put("topic", topic);
                e.put("peer", peer);
                queue.add(e);
            }
            if (started && !drainScheduled) {
                drainScheduled = true;
                schedule = true;
            }
        }
        if (dropped) overflowed.run();
        if (schedule) executor.execute(this::drain);
    }

    /** On the executor: hands what waits (or the resync) to the session, then goes again if more came. */
    private void drain() {
        boolean resync;
        ArrayDeque<Map<String, Object>> batch;
        synchronized (lock) {
            if (closed) {
                drainScheduled = false;
                return;
            }
            resync = dropping;
            dropping = false; // record again: what happens from here comes after the count read below
            batch = queue;
            queue = new ArrayDeque<>();
        }
        if (resync) {
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("op", TopicWatches.RESYNC_EVENT);
            e.put("topic", topic);
            e.put("count", (long) count.getAsInt());
            emit.accept(e);
        } else {
            for (Map<String, Object> e : batch) emit.accept(e);
        }
        boolean again;
        synchronized (lock) {
            again = !closed && (!queue.isEmpty() || dropping);
            if (!again) drainScheduled = false;
        }
        if (again) executor.execute(this::drain);
    }
}
