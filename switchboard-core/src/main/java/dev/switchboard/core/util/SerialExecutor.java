package dev.switchboard.core.util;

import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A mailbox that runs its tasks one at a time, in submission order, on whichever thread finds it
 * idle. This gives each piece of state a single writer without a thread of its own and without a
 * lock: the uncontended case runs inline on the caller, and a task submitted while another runs is
 * picked up by the thread already draining.
 */
public final class SerialExecutor implements Executor {
    private static final Logger log = LoggerFactory.getLogger(SerialExecutor.class);

    private final Queue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    private final AtomicInteger pending = new AtomicInteger();

    @Override
    public void execute(Runnable task) {
        tasks.add(task);
        if (pending.getAndIncrement() == 0) {
            drain();
        }
    }

    private void drain() {
        do {
            Runnable task = tasks.poll();
            try {
                task.run();
            } catch (Throwable t) {
                // One failing task must not wedge the mailbox for every later one.
                log.error("task failed in serial executor", t);
            }
        } while (pending.decrementAndGet() != 0);
    }
}
