package dev.switchboard.client;

import io.netty.channel.SelectStrategy;
import io.netty.channel.SelectStrategyFactory;
import io.netty.util.IntSupplier;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;

/**
 * How a client's event loop waits for I/O: it polls for a short while before it sleeps, and stops
 * polling where polling does not pay.
 *
 * <p>Why: an answer from a server on the same host or a nearby one comes back within tens of
 * microseconds, and a loop that sleeps in the meantime pays for a sleep and a wake-up per answer —
 * on a virtual machine the largest part of a round trip's CPU at both ends: the server's write
 * must wake a halted CPU (an inter-processor interrupt, a VM exit), and the loop's own context
 * switches follow. A loop that is still polling when the answer lands needs no wake-up at all.
 * Measured on the 2-core VM of {@code docs/benchmarks.md} ("Native lock path, thirteenth pass"): a
 * lock cycle at one worker took half the time, with about the same CPU per cycle in the client and
 * half of it in the server.
 *
 * <p>The rule, per loop:
 * <ul>
 *   <li>with tasks queued, one non-blocking poll, as Netty's own strategy does;</li>
 *   <li>else poll without blocking until something is ready or {@code budget} has passed, then
 *       sleep in the selector as usual;</li>
 *   <li>each poll that finds nothing counts a miss, each that finds something takes one back; at
 *       {@link #MISSES_BEFORE_BACKING_OFF} misses (an idle client, a far server, events that come
 *       seldom: fewer than half the polls paying) sleep at once, except for one poll in
 *       {@link #PROBE_EVERY} waits that checks whether polling pays again; a probe that finds
 *       something clears the misses.</li>
 * </ul>
 * <p>Polling must not take a CPU from work that would make or read an answer, so a poll yields to
 * any other runnable thread between two looks at the selector, and no more loops of the process
 * poll at once than it has CPUs (a process with hundreds of clients, each with its own loop, would
 * otherwise crowd its CPUs with polls).
 *
 * <p>So polling costs at most {@code budget} of CPU per wait, and far less once it stops finding
 * answers; a task queued from another thread while the loop polls waits at most {@code budget}
 * (the loop's wake-up is not signalled while it polls: Netty's handler re-checks for tasks before
 * it sleeps). A budget of zero is Netty's default strategy. Used on the epoll transport only: Java
 * NIO's selector turns a wake-up made while nobody selects into one that every later
 * {@code selectNow} re-arms, so a poll there after a wake-up runs its whole budget for nothing.
 */
final class AnswerSpin implements SelectStrategy {
    /** The default budget: a round trip on loopback or a fast LAN, not a slow one. */
    static final Duration DEFAULT_BUDGET = Duration.ofNanos(50_000);
    static final int MISSES_BEFORE_BACKING_OFF = 4;
    static final int PROBE_EVERY = 32;
    /** The loops of this process that may poll at once: as many as it has CPUs. */
    static final PollingSlots PROCESS_SLOTS = new PollingSlots(Runtime.getRuntime().availableProcessors());

    private final long budgetNanos;
    private final LongSupplier nanoClock;
    private final PollingSlots slots;
    private int misses; // loop thread only
    private int waitsSinceProbe; // loop thread only

    AnswerSpin(Duration budget, LongSupplier nanoClock, PollingSlots slots) {
        this.budgetNanos = budget.toNanos();
        this.nanoClock = nanoClock;
        this.slots = slots;
    }

    /** A count of loops polling now, with a ceiling; shared by the loops it limits. */
    static final class PollingSlots {
        private final AtomicInteger polling = new AtomicInteger();
        private final int max;

        PollingSlots(int max) {
            this.max = max;
        }

        boolean tryTake() {
            if (polling.incrementAndGet() > max) {
                polling.decrementAndGet();
                return false;
            }
            return true;
        }

        void giveBack() {
            polling.decrementAndGet();
        }
    }

    /** The strategy for each loop of a handler factory; a {@code budget} of zero is Netty's default. */
    static SelectStrategyFactory factory(Duration budget) {
        if (checked(budget).isZero()) {
            return io.netty.channel.DefaultSelectStrategyFactory.INSTANCE;
        }
        return () -> new AnswerSpin(budget, System::nanoTime, PROCESS_SLOTS);
    }

    /** {@code budget}, if it is a budget (zero or more). */
    static Duration checked(Duration budget) {
        if (budget.isNegative()) {
            throw new IllegalArgumentException("answerSpin must be zero or more, not " + budget);
        }
        return budget;
    }

    @Override
    public int calculateStrategy(IntSupplier selectNow, boolean hasTasks) throws Exception {
        if (hasTasks) {
            return selectNow.get();
        }
        boolean probe;
        if (misses < MISSES_BEFORE_BACKING_OFF) {
            probe = false;
        } else if (++waitsSinceProbe >= PROBE_EVERY) {
            waitsSinceProbe = 0;
            probe = true;
        } else {
            return SELECT;
        }
        if (!slots.tryTake()) {
            return SELECT; // as many loops poll as there are CPUs: the rest sleep at once
        }
        try {
            long end = nanoClock.getAsLong() + budgetNanos;
            do {
                int ready = selectNow.get();
                if (ready > 0) {
                    misses = probe ? 0 : Math.max(0, misses - 1);
                    return ready;
                }
                Thread.yield(); // a thread of this process with work to do on this CPU goes first
            } while (nanoClock.getAsLong() - end < 0);
            misses++;
            return SELECT;
        } finally {
            slots.giveBack();
        }
    }
}
