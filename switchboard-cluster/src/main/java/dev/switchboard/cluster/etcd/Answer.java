package dev.switchboard.cluster.etcd;

import dev.switchboard.core.lock.LockOutcome;
import io.netty.util.Timeout;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one answer a request is owed: the callback runs once whatever ends the request first, its
 * timer is cancelled, and a request counted against the engine's bound stops counting.
 */
final class Answer {
    private static final Logger log = LoggerFactory.getLogger(Answer.class);

    private final Consumer<LockOutcome> callback;
    private final AtomicInteger unanswered; // null: not counted
    Timeout timer;
    /** A two-phase wait's timeout or cancel that came before the wait was admitted. */
    LockOutcome endedEarly;
    private boolean done;

    Answer(Consumer<LockOutcome> callback, AtomicInteger unanswered) {
        this.callback = callback;
        this.unanswered = unanswered;
    }

    boolean isDone() {
        return done;
    }

    /** Answers unless answered already; only on the engine thread. */
    void accept(LockOutcome outcome) {
        if (done) return;
        done = true;
        if (timer != null) timer.cancel();
        if (unanswered != null) unanswered.decrementAndGet();
        try {
            callback.accept(outcome);
        } catch (RuntimeException e) {
            log.warn("a lock callback failed", e);
        }
    }
}
