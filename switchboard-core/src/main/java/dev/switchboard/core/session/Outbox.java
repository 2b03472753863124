package dev.switchboard.core.session;

import java.util.ArrayDeque;
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
    /** The buffered events with their sizes, so that dropping one does not read the (shared, maybe cold) event again. */
    private final ArrayDeque<Kept> buffer = new ArrayDeque<>();

    private record Kept(long seq, SessionEvent event, long size) {
    }
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
        lastSeq++;
        long size = event.sizeEstimate();
        buffer.addLast(new Kept(lastSeq, event, size));
        bytes += size;
        budget.add(size);
        // The newest event always stays, even when it alone is over the byte cap.
        while (buffer.size() > 1 && (buffer.size() > capacity || bytes > maxBytes || budget.exceeded())) {
            if (buffer.size() <= capacity && bytes <= maxBytes) budget.droppedForBudget();
            Kept dropped = buffer.removeFirst();
            long droppedSize = dropped.size();
            bytes -= droppedSize;
            budget.remove(droppedSize);
            droppedThrough = dropped.seq();
        }
        return lastSeq;
    }

    /** Events after {@code seq}, oldest first. */
    public synchronized List<Event> after(long seq) {
        List<Event> out = new ArrayList<>();
        for (Kept e : buffer) {
            if (e.seq() > seq) out.add(new Event(e.seq(), e.event()));
        }
        return out;
    }

    /** Drops the events the client has processed (those up to {@code seq}). */
    public synchronized void acknowledge(long seq) {
        while (!buffer.isEmpty() && buffer.peekFirst().seq() <= seq) {
            long size = buffer.removeFirst().size();
            bytes -= size;
            budget.remove(size);
        }
    }

    /** Drops every event (the session has ended), giving their bytes back to the node's budget. */
    synchronized void clear() {
        budget.remove(bytes);
        bytes = 0;
        buffer.clear();
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
        return buffer.isEmpty() ? lastSeq + 1 : buffer.peekFirst().seq();
    }

    public synchronized long lastSeq() {
        return lastSeq;
    }
}
