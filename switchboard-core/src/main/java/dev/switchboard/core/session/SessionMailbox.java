package dev.switchboard.core.session;

import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A session's mailbox: its event deliveries and its control tasks (attach, detach, grace, close)
 * run one at a time, in order, on whichever thread finds the mailbox idle. It differs from a plain
 * serial executor in two ways that matter on the fan-out path:
 *
 * <ul>
 *   <li>An event offered to an idle mailbox is not wrapped in a task at all: the offering thread
 *       takes the mailbox with one compare-and-set and delivers the event itself
 *       ({@link Offer#RUN_NOW}, then {@link #release()}).</li>
 *   <li>Queued event deliveries are bounded: past {@code maxQueuedEvents} an event is refused
 *       ({@link Offer#FULL}) and the session treats its connections as slow consumers. Control
 *       tasks are never refused: a detach or a close must always happen.</li>
 * </ul>
 *
 * <p>The caller offers events in sequence order (it holds the session's replay monitor while it
 * numbers an event and offers it), so queued deliveries run in sequence order.
 */
final class SessionMailbox {
    private static final Logger log = LoggerFactory.getLogger(SessionMailbox.class);

    /** Delivers one numbered event to the session's connections; runs in the mailbox. */
    interface Deliverer {
        void deliver(long seq, SessionEvent event);
    }

    /** What became of an offered event. */
    enum Offer {
        /** The mailbox was idle and the caller now holds it: deliver, then {@link #release()}. */
        RUN_NOW,
        /** Queued behind the task running now; that task's thread will deliver it. */
        QUEUED,
        /** Queued, and the mailbox had just gone idle: the caller must {@link #drainQueued()} (outside its locks). */
        QUEUED_DRAIN,
        /** Refused: {@code maxQueuedEvents} deliveries are waiting already. */
        FULL
    }

    private record Delivery(long seq, SessionEvent event) {
    }

    // The counters are fields of this object, not AtomicIntegers of their own: a publish walks
    // every subscriber's mailbox, and one object less per session is one cache miss less each.
    private static final AtomicIntegerFieldUpdater<SessionMailbox> PENDING =
            AtomicIntegerFieldUpdater.newUpdater(SessionMailbox.class, "pending");
    private static final AtomicIntegerFieldUpdater<SessionMailbox> QUEUED_EVENTS =
            AtomicIntegerFieldUpdater.newUpdater(SessionMailbox.class, "queuedEvents");

    private final Queue<Object> tasks = new ConcurrentLinkedQueue<>();
    /** Tasks queued or running (the one run inline by {@link Offer#RUN_NOW} included). */
    private volatile int pending;
    private volatile int queuedEvents;
    private final int maxQueuedEvents;
    private final Deliverer deliverer;

    SessionMailbox(int maxQueuedEvents, Deliverer deliverer) {
        if (maxQueuedEvents < 1) throw new IllegalArgumentException("maxQueuedEvents must be at least 1");
        this.maxQueuedEvents = maxQueuedEvents;
        this.deliverer = deliverer;
    }

    /** Runs a control task after everything queued before it; never refused; inline when the mailbox is idle. */
    void execute(Runnable task) {
        tasks.add(task);
        if (PENDING.getAndIncrement(this) == 0) drain();
    }

    /** Offers an event delivery (see {@link Offer}); allocates nothing when the mailbox is idle. */
    Offer offer(long seq, SessionEvent event) {
        if (PENDING.compareAndSet(this, 0, 1)) return Offer.RUN_NOW;
        if (queuedEvents >= maxQueuedEvents) return Offer.FULL;
        QUEUED_EVENTS.incrementAndGet(this);
        tasks.add(new Delivery(seq, event));
        return PENDING.getAndIncrement(this) == 0 ? Offer.QUEUED_DRAIN : Offer.QUEUED;
    }

    /** After an inline delivery ({@link Offer#RUN_NOW}): runs what was queued meanwhile, else leaves the mailbox idle. */
    void release() {
        if (PENDING.decrementAndGet(this) != 0) drain();
    }

    /** After {@link Offer#QUEUED_DRAIN}: runs the queue on this thread. */
    void drainQueued() {
        drain();
    }

    /** Event deliveries waiting in the queue (not the one running). */
    int queuedEvents() {
        return queuedEvents;
    }

    private void drain() {
        do {
            Object task = tasks.poll();
            try {
                if (task instanceof Delivery d) {
                    QUEUED_EVENTS.decrementAndGet(this);
                    deliverer.deliver(d.seq(), d.event());
                } else {
                    ((Runnable) task).run();
                }
            } catch (Throwable t) {
                // One failing task must not wedge the mailbox for every later one.
                log.error("task failed in a session mailbox", t);
            }
        } while (PENDING.decrementAndGet(this) != 0);
    }
}
