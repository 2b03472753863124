package dev.switchboard.core.session;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A session's outbound events: each event gets the session's next sequence number and waits in a
 * bounded buffer (in count and bytes) for a resume or a poll, until the client acknowledges it. When the buffer is full the oldest event is dropped; a client
 * asking for events after a cursor learns from {@link #missedAfter(long)} whether any of them
 * were dropped (events it acknowledged itself are not missed).
 */
public final class Outbox {
    /**
     * One event and its sequence number. The event itself may be shared with other sessions (a
     * signal is one object for all its subscribers): the buffer keeps a reference, not a copy.
     */
    public record Event(long seq, SessionEvent event) {
        /** The message as the native protocol writes it (a new map). */
        public Map<String, Object> message() {
            return event.message(seq);
        }
    }

    /** What {@code "seq":<n>} adds to an event's estimated size (a number counts as 20). */
    static final long SEQ_FIELD_BYTES = "seq".length() + 4 + 20;

    private final int capacity;
    private final long maxBytes;
    /**
     * The buffered events, oldest first, in a ring that grows as needed: one array slot per event
     * and no object, because a session keeps up to {@code capacity} of them for as long as they are
     * not acknowledged, and a node with many sessions would otherwise copy millions of small
     * objects at every young collection. Their numbers are consecutive, ending at {@link #lastSeq}.
     */
    private SessionEvent[] ring = new SessionEvent[8];
    private int[] sizes = new int[8];
    private int head;
    private int count;
    private long bytes;
    private long lastSeq;
    private long droppedThrough;

    public Outbox(int capacity) {
        this(capacity, Long.MAX_VALUE, 0);
    }

    private ReplayBudget budget = ReplayBudget.unlimited();

    /** An outbox whose bytes also count against the node's {@code budget}. */
    Outbox(int capacity, long maxBytes, long lastSeq, ReplayBudget budget) {
        this(capacity, maxBytes, lastSeq);
        this.budget = budget;
    }

    /**
     * An outbox keeping at most {@code capacity} events and about {@code maxBytes} of them, whose
     * next event is numbered {@code lastSeq + 1} (above 0 for a session restored after a restart).
     */
    public Outbox(int capacity, long maxBytes, long lastSeq) {
        this.capacity = capacity;
        this.maxBytes = maxBytes;
        this.lastSeq = lastSeq;
        this.droppedThrough = lastSeq; // events up to here were sent before the restart and are not kept
    }

    /** Adds an event and returns its sequence number. */
    public synchronized long append(SessionEvent event) {
        return appendHoldingMonitor(event);
    }

    /**
     * {@link #append} for a caller that already holds this outbox's monitor (a session numbers and
     * queues an event under it): no second monitor enter on the fan-out path.
     */
    long appendHoldingMonitor(SessionEvent event) {
        lastSeq++;
        int size = (int) Math.min(Integer.MAX_VALUE, event.sizeEstimate());
        push(event, size);
        bytes += size;
        // The node's budget learns the net change once: a full buffer of like-sized events (the
        // steady state of a busy subscriber) drops one as it adds one and writes nothing shared.
        long budgetDelta = size;
        // The newest event always stays, even when it alone is over the byte cap.
        while (count > 1 && (count > capacity || bytes > maxBytes || budget.exceededWith(budgetDelta))) {
            if (count <= capacity && bytes <= maxBytes) budget.droppedForBudget();
            droppedThrough = firstSeq();
            int droppedSize = dropFirst();
            bytes -= droppedSize;
            budgetDelta -= droppedSize;
        }
        if (budgetDelta != 0) budget.add(budgetDelta);
        return lastSeq;
    }

    /** Events after {@code seq}, oldest first. */
    public synchronized List<Event> after(long seq) {
        List<Event> out = new ArrayList<>();
        long first = firstSeq();
        for (int i = 0; i < count; i++) {
            if (first + i > seq) out.add(new Event(first + i, ring[(head + i) & (ring.length - 1)]));
        }
        return out;
    }

    /** Drops the events the client has processed (those up to {@code seq}). */
    public synchronized void acknowledge(long seq) {
        while (count > 0 && firstSeq() <= seq) {
            int size = dropFirst();
            bytes -= size;
            budget.remove(size);
        }
    }

    /** Drops every event (the session has ended), giving their bytes back to the node's budget. */
    synchronized void clear() {
        budget.remove(bytes);
        bytes = 0;
        while (count > 0) dropFirst();
    }

    private long firstSeq() {
        return lastSeq - count + 1;
    }

    private void push(SessionEvent event, int size) {
        if (count == ring.length) {
            SessionEvent[] bigger = new SessionEvent[ring.length * 2];
            int[] biggerSizes = new int[ring.length * 2];
            for (int i = 0; i < count; i++) {
                bigger[i] = ring[(head + i) & (ring.length - 1)];
                biggerSizes[i] = sizes[(head + i) & (ring.length - 1)];
            }
            ring = bigger;
            sizes = biggerSizes;
            head = 0;
        }
        int at = (head + count) & (ring.length - 1);
        ring[at] = event;
        sizes[at] = size;
        count++;
    }

    /** Removes the oldest event; returns its size. */
    private int dropFirst() {
        int size = sizes[head];
        ring[head] = null;
        head = (head + 1) & (ring.length - 1);
        count--;
        return size;
    }

    /** Bytes the buffered events take, roughly as they go on the wire. */
    public synchronized long bufferedBytes() {
        return bytes;
    }

    /** The wire size of an event, estimated from its strings and numbers: cheap and close enough for a cap. */
    static long sizeOf(Map<String, Object> message) {
        long n = 2;
        for (Map.Entry<String, Object> e : message.entrySet()) {
            n += e.getKey().length() + 4;
            Object v = e.getValue();
            n += v instanceof String str ? str.length() + 2 : v instanceof dev.switchboard.protocol.Payload p ? p.size() + 2 : 20;
        }
        return n;
    }

    /**
     * Whether events after {@code seq} were dropped unread because the buffer was full; the
     * first one still available is then {@link #firstAvailable()}.
     */
    public synchronized boolean missedAfter(long seq) {
        return seq < droppedThrough;
    }

    /** The oldest sequence number still buffered, or the next one when the buffer is empty. */
    public synchronized long firstAvailable() {
        return count == 0 ? lastSeq + 1 : firstSeq();
    }

    public synchronized long lastSeq() {
        return lastSeq;
    }
}
