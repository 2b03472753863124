package dev.switchboard.core.lock;

import dev.switchboard.core.util.MonotonicClock;
import io.netty.util.Timeout;
import io.netty.util.Timer;
import io.netty.util.TimerTask;
import java.util.Comparator;
import java.util.HashSet;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Virtual time for tests: a clock and a timer that move only when {@link #advanceMs} is called.
 * Due tasks run on the advancing thread, earliest first (ties in scheduling order), each with the
 * clock set to its deadline; a task scheduled by a task runs in the same advance if it falls due.
 */
final class ManualTimer implements Timer, MonotonicClock {
    private final PriorityQueue<ManualTimeout> queue = new PriorityQueue<>(
            Comparator.comparingLong((ManualTimeout t) -> t.deadline).thenComparingLong(t -> t.seq));
    private volatile long nowNanos = 1_000_000_000_000L;
    private long seq;
    private boolean stopped;

    @Override
    public long nanoTime() {
        return nowNanos;
    }

    /** Moves time forward by {@code ms}, running every task that falls due on the way. */
    void advanceMs(long ms) {
        long target = nowNanos + TimeUnit.MILLISECONDS.toNanos(ms);
        while (true) {
            ManualTimeout next;
            synchronized (this) {
                next = queue.peek();
                if (next == null || next.deadline > target) break;
                queue.poll();
                nowNanos = Math.max(nowNanos, next.deadline);
                next.state = ManualTimeout.EXPIRED;
            }
            try {
                next.task.run(next);
            } catch (Exception e) {
                throw new AssertionError("a timer task failed", e);
            }
        }
        nowNanos = target;
    }

    /** Tasks scheduled and not yet run or cancelled. */
    synchronized int pending() {
        return queue.size();
    }

    @Override
    public synchronized Timeout newTimeout(TimerTask task, long delay, TimeUnit unit) {
        if (stopped) throw new IllegalStateException("timer stopped");
        ManualTimeout t = new ManualTimeout(task, nowNanos + unit.toNanos(Math.max(0, delay)), seq++);
        queue.add(t);
        return t;
    }

    @Override
    public synchronized Set<Timeout> stop() {
        stopped = true;
        Set<Timeout> left = new HashSet<>(queue);
        queue.clear();
        return left;
    }

    private final class ManualTimeout implements Timeout {
        static final int WAITING = 0;
        static final int CANCELLED = 1;
        static final int EXPIRED = 2;

        final TimerTask task;
        final long deadline;
        final long seq;
        int state = WAITING;

        ManualTimeout(TimerTask task, long deadline, long seq) {
            this.task = task;
            this.deadline = deadline;
            this.seq = seq;
        }

        @Override
        public Timer timer() {
            return ManualTimer.this;
        }

        @Override
        public TimerTask task() {
            return task;
        }

        @Override
        public boolean isExpired() {
            synchronized (ManualTimer.this) {
                return state == EXPIRED;
            }
        }

        @Override
        public boolean isCancelled() {
            synchronized (ManualTimer.this) {
                return state == CANCELLED;
            }
        }

        @Override
        public boolean cancel() {
            synchronized (ManualTimer.this) {
                if (state != WAITING) return false;
                state = CANCELLED;
                queue.remove(this);
                return true;
            }
        }
    }
}
