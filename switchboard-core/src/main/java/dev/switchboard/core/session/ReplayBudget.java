package dev.switchboard.core.session;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The bytes of buffered events over every session of a node. Each session's buffer is bounded
 * on its own, but sessions are many: past this budget, a session that adds an event drops its own
 * oldest ones (its client sees a gap), so that no set of sessions can fill the heap, and
 * sessions that receive nothing keep what they have.
 */
public final class ReplayBudget {
    private final long maxBytes;
    private final AtomicLong used = new AtomicLong();
    private final AtomicLong dropped = new AtomicLong();

    /** A budget of {@code maxBytes}; 0 or less means a quarter of the JVM's largest heap. */
    public ReplayBudget(long maxBytes) {
        this.maxBytes = maxBytes > 0 ? maxBytes : Runtime.getRuntime().maxMemory() / 4;
    }

    public static ReplayBudget unlimited() {
        return new ReplayBudget(Long.MAX_VALUE);
    }

    void add(long bytes) {
        used.addAndGet(bytes);
    }

    void remove(long bytes) {
        used.addAndGet(-bytes);
    }

    /** Whether the budget would be exceeded after a change of {@code pendingBytes} not yet {@link #add added}. */
    boolean exceededWith(long pendingBytes) {
        return used.get() + pendingBytes > maxBytes;
    }

    void droppedForBudget() {
        dropped.incrementAndGet();
    }

    /** Bytes of events buffered now, over every session. */
    public long usedBytes() {
        return used.get();
    }

    /** Events dropped because the node's budget was exceeded (not the session's own bound). */
    public long droppedEvents() {
        return dropped.get();
    }
}
