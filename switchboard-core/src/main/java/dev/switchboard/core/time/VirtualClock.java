package dev.switchboard.core.time;

import io.netty.util.Timeout;
import io.netty.util.Timer;
import io.netty.util.TimerTask;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Time that moves only when a test says so. {@link #advance(Duration)} moves it forward and runs,
 * on the calling thread and in the order they fall due, every timer task due by the new time,
 * including those that the tasks themselves schedule within the window; each task sees
 * {@link #nanoTime()} at its own deadline. Scheduling and reading are safe from any thread; one
 * advance runs at a time.
 *
 * <pre>{@code
 * VirtualClock clock = new VirtualClock();
 * try (Switchboard sb = Switchboard.builder().port(0).clock(clock).start()) {
 *     ... take a lock with a 1 s lease ...
 *     clock.advance(Duration.ofMillis(1300)); // the lease has run out, at once
 * }
 * }</pre>
 */
public final class VirtualClock implements NodeClock, Timer {
    private static final Logger log = LoggerFactory.getLogger(VirtualClock.class);
    /** Far from 0, so that no reading ever looks like an unset time. */
    private static final long ORIGIN_NANOS = TimeUnit.DAYS.toNanos(1);

    private final Object lock = new Object();
    private final ReentrantLock advancing = new ReentrantLock();
    /** Guarded by {@link #lock}. */
    private final PriorityQueue<Task> queue = new PriorityQueue<>();
    private final long wallOriginMillis;
    /** Guarded by {@link #lock}; volatile for lock-free reads. */
    private volatile long nowNanos = ORIGIN_NANOS;
    /** Guarded by {@link #lock}: breaks ties between tasks due at the same time, first scheduled first. */
    private long sequence;
    private boolean stopped;

    /** A clock whose wall time starts at the real time of its creation. */
    public VirtualClock() {
        this(Instant.ofEpochMilli(System.currentTimeMillis()));
    }

    /** A clock whose wall time starts at {@code wallStart}. */
    public VirtualClock(Instant wallStart) {
        this.wallOriginMillis = wallStart.toEpochMilli();
    }

    @Override
    public long nanoTime() {
        return nowNanos;
    }

    @Override
    public long currentTimeMillis() {
        return wallOriginMillis + TimeUnit.NANOSECONDS.toMillis(nowNanos - ORIGIN_NANOS);
    }

    /** How far time has been moved since this clock was made. */
    public Duration elapsed() {
        return Duration.ofNanos(nowNanos - ORIGIN_NANOS);
    }

    @Override
    public Timer timer() {
        return this;
    }

    /**
     * Moves time forward by {@code by}, running every task due by then, in due order, before it
     * returns. Work those tasks hand to other threads (a connection's event loop) may still be
     * running when it returns: wait for what a client sees.
     */
    public void advance(Duration by) {
        if (by.isNegative()) throw new IllegalArgumentException("time only moves forward: " + by);
        advancing.lock();
        try {
            long target = nowNanos + by.toNanos();
            while (true) {
                Task due;
                synchronized (lock) {
                    due = queue.peek();
                    if (due == null || due.deadlineNanos > target) {
                        nowNanos = target;
                        return;
                    }
                    queue.poll();
                    if (due.deadlineNanos > nowNanos) nowNanos = due.deadlineNanos;
                }
                due.expire();
            }
        } finally {
            advancing.unlock();
        }
    }

    /** Tasks scheduled and neither run nor cancelled. */
    public int pendingTasks() {
        synchronized (lock) {
            return queue.size();
        }
    }

    @Override
    public Timeout newTimeout(TimerTask task, long delay, TimeUnit unit) {
        synchronized (lock) {
            if (stopped) throw new IllegalStateException("the virtual clock's timer was stopped");
            long deadline = nowNanos + Math.max(0, unit.toNanos(delay));
            Task t = new Task(task, deadline, sequence++);
            queue.add(t);
            return t;
        }
    }

    /** Drops every pending task and refuses new ones, as a stopped timer does. */
    @Override
    public Set<Timeout> stop() {
        synchronized (lock) {
            stopped = true;
            Set<Timeout> left = new HashSet<>(queue);
            queue.clear();
            return left;
        }
    }

    private boolean remove(Task t) {
        synchronized (lock) {
            return queue.remove(t);
        }
    }

    private final class Task implements Timeout, Comparable<Task> {
        private static final int PENDING = 0;
        private static final int CANCELLED = 1;
        private static final int EXPIRED = 2;

        private final TimerTask task;
        private final long deadlineNanos;
        private final long seq;
        private final AtomicInteger state = new AtomicInteger(PENDING);

        Task(TimerTask task, long deadlineNanos, long seq) {
            this.task = task;
            this.deadlineNanos = deadlineNanos;
            this.seq = seq;
        }

        void expire() {
            if (!state.compareAndSet(PENDING, EXPIRED)) return;
            try {
                task.run(this);
            } catch (Throwable e) {
                // As the wheel timer does: one failing task does not stop the others.
                log.warn("a timer task failed", e);
            }
        }

        @Override
        public Timer timer() {
            return VirtualClock.this;
        }

        @Override
        public TimerTask task() {
            return task;
        }

        @Override
        public boolean isExpired() {
            return state.get() == EXPIRED;
        }

        @Override
        public boolean isCancelled() {
            return state.get() == CANCELLED;
        }

        @Override
        public boolean cancel() {
            if (!state.compareAndSet(PENDING, CANCELLED)) return false;
            remove(this);
            return true;
        }

        @Override
        public int compareTo(Task o) {
            int c = Long.compare(deadlineNanos, o.deadlineNanos);
            return c != 0 ? c : Long.compare(seq, o.seq);
        }
    }
}
