package dev.switchboard.core.session;

import dev.switchboard.protocol.Frame;
import dev.switchboard.protocol.Reply;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client request with its context: the session it acts for, the connection it came on, its
 * deadline (when the operation sets one), how it is cancelled, and its one reply.
 *
 * <p>Exactly one reply is delivered; a second is dropped and logged. An operation that can wait
 * (a lock acquire, say) registers how to cancel it with {@link #onCancel}: when the request's
 * connection closes, the wait ends and its reply goes nowhere. An operation whose success leaves
 * state behind (a grant) replies with {@link #reply(Reply, Runnable)} and says how to undo it: if
 * the requester is gone by the time the reply is ready, or the reply cannot be written, the undo
 * runs at once, so that nothing is held that nobody knows about.
 */
public final class Request {
    private static final Logger log = LoggerFactory.getLogger(Request.class);
    private static final Runnable NOTHING = () -> { };

    /** Writes a reply to the requester; calls {@code undo} when it cannot (connection gone, write failed). */
    @FunctionalInterface
    public interface Replier {
        void deliver(Reply reply, Runnable undo);
    }

    private final Session session;
    private final Frame frame;
    private final RequestOrigin origin;
    private final Replier replier;
    private final AtomicBoolean answered = new AtomicBoolean();
    private volatile Runnable canceller;
    private volatile boolean cancelled;
    private volatile Runnable finished = NOTHING;
    private volatile io.netty.util.Timer timer;
    private volatile io.netty.util.Timeout deadline;
    private volatile boolean expired;
    private volatile Runnable lateReply = NOTHING;

    public Request(Session session, Frame frame, RequestOrigin origin, Replier replier) {
        this.session = session;
        this.frame = frame;
        this.origin = origin == null ? RequestOrigin.DETACHED : origin;
        this.replier = replier;
    }

    /** The session the request acts for; null for sessionless requests (stats, an HTTP publish). */
    public Session session() {
        return session;
    }

    public Frame frame() {
        return frame;
    }

    /** Answers with {@code reply}; nothing to undo if the requester is gone. */
    public void reply(Reply reply) {
        reply(reply, null);
    }

    /**
     * Answers with {@code reply}; when the requester cannot receive it, {@code undo} (if any)
     * runs instead, on the calling thread or the one that found the write failed.
     */
    public void reply(Reply reply, Runnable undo) {
        if (!answered.compareAndSet(false, true)) {
            if (expired) {
                // Answered already by its deadline: the requester has moved on, so what this
                // reply carries (a grant) is given back.
                log.debug("late reply to {} after its deadline dropped: {}", frame.op(), reply);
                lateReply.run();
            } else {
                log.error("second reply to {} dropped: {}", frame.op(), reply);
            }
            if (undo != null) undo.run();
            return;
        }
        io.netty.util.Timeout d = deadline;
        if (d != null) d.cancel();
        origin.untrack(this);
        Runnable giveBack = undo == null ? NOTHING : undo;
        try {
            if (origin.isClosed()) {
                giveBack.run();
            } else {
                replier.deliver(reply, giveBack);
            }
        } finally {
            // Only once the answer is on its way: a drain that waits for in-flight requests must
            // not close the connection between the decision and the write.
            finished.run();
        }
    }

    /**
     * Gives the request a deadline on the node's timer: unless it is answered within
     * {@code timeoutMs}, it is answered {@code onExpiry} and its canceller (if any) runs; a reply
     * that comes after is dropped, its undo runs, and it is counted. A request without a timer
     * (an internal one) has no deadline.
     */
    public void expireAfter(long timeoutMs, Reply onExpiry) {
        io.netty.util.Timer t = timer;
        if (t == null || answered.get()) return;
        deadline = t.newTimeout(x -> {
            if (answered.get()) return;
            expired = true;
            reply(onExpiry);
            Runnable c = canceller;
            if (c != null) c.run();
        }, Math.max(1, timeoutMs), java.util.concurrent.TimeUnit.MILLISECONDS);
    }

    /** True when the request was answered by its deadline. */
    public boolean isExpired() {
        return expired;
    }

    /** The node's timer for {@link #expireAfter}, and what counts a reply that came after the deadline. */
    void deadlines(io.netty.util.Timer timer, Runnable onLateReply) {
        this.timer = timer;
        this.lateReply = onLateReply;
    }

    /**
     * How to end this request early (leave a wait queue, say). Runs at once when the request was
     * already cancelled. The canceller must lead to a reply (typically {@code cancelled}), which
     * goes nowhere if the requester is gone.
     */
    public void onCancel(Runnable canceller) {
        this.canceller = canceller;
        if (cancelled && !answered.get()) canceller.run();
    }

    public boolean isCancelled() {
        return cancelled;
    }

    /** Cancels the request (its connection closed): the operation's canceller runs, if it set one. */
    void cancel() {
        if (answered.get()) return;
        cancelled = true;
        Runnable c = canceller;
        if (c != null) c.run();
    }

    /** Bookkeeping of the session when the reply is given (in-flight counts, the next serial request). */
    void whenFinished(Runnable action) {
        this.finished = action;
    }

    /** Starts tracking the request on its connection, so that closing the connection cancels it. */
    void track() {
        origin.track(this);
    }
}
