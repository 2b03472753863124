package dev.switchboard.client;

import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The clients' timers — request deadlines, the heartbeat watchdog, lock renewals — on one daemon
 * thread of their own, each task handed to its connection's event loop when it is due.
 *
 * <p>Why not the event loop's own scheduler: while a loop holds a scheduled task, Netty reads the
 * clock several times on every pass of the loop (is a task due? how long may it block?), and a
 * request deadline or a watchdog is always armed. Counted with a uprobe on {@code clock_gettime}
 * over a one-worker run of async lock cycles, the client JVM went from 6.8 clock reads per cycle to
 * 3.9 with the timers here, at about 40 ns each on the VM measured (docs/benchmarks.md, "Native
 * lock path", tenth and eleventh passes). A loop with nothing scheduled reads none.
 *
 * <p>The thread sleeps until the earliest task is due (no ticking), and ends after a minute with
 * nothing scheduled; the next task starts a new one.
 */
final class ClientTimers {
    private static final ScheduledThreadPoolExecutor TIMER = newTimer();

    private ClientTimers() {
    }

    private static ScheduledThreadPoolExecutor newTimer() {
        ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1, task -> {
            Thread t = new Thread(task, "switchboard-client-timer");
            t.setDaemon(true);
            return t;
        });
        // A cancelled deadline (almost every one: answers come first) leaves the queue at once.
        timer.setRemoveOnCancelPolicy(true);
        timer.setKeepAliveTime(1, TimeUnit.MINUTES);
        timer.allowCoreThreadTimeOut(true);
        return timer;
    }

    /** A task that runs on its loop once due, unless cancelled first. */
    static final class Timed {
        private final Executor loop;
        private final Runnable task;
        private volatile boolean cancelled;
        private volatile ScheduledFuture<?> timer;

        private Timed(Executor loop, Runnable task) {
            this.loop = loop;
            this.task = task;
        }

        /**
         * The task will not start after this returns when called on its loop (a task already handed
         * to the loop checks the flag there); from another thread it may still be starting.
         */
        void cancel() {
            cancelled = true;
            ScheduledFuture<?> t = timer;
            if (t != null) {
                t.cancel(false);
            }
        }

        boolean isCancelled() {
            return cancelled;
        }

        private void due() {
            if (cancelled) {
                return;
            }
            try {
                loop.execute(() -> {
                    if (!cancelled) {
                        task.run();
                    }
                });
            } catch (RejectedExecutionException loopGone) {
                // The client is closing: what the task was for goes with its connection.
            }
        }
    }

    /**
     * Runs {@code task} on {@code loop} after {@code delay}.
     *
     * @throws RejectedExecutionException when {@code loop} is shutting down (the client is closing)
     */
    static Timed onLoop(io.netty.util.concurrent.EventExecutor loop, Runnable task, long delay, TimeUnit unit) {
        if (loop.isShuttingDown()) {
            throw new RejectedExecutionException("the client's event loop is shutting down");
        }
        Timed timed = new Timed(loop, task);
        timed.timer = TIMER.schedule(timed::due, Math.max(0, delay), unit);
        return timed;
    }
}
