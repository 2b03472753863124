package dev.switchboard.core.session.store;

import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * Where sessions live between connections and, for a durable store, across a graceful restart.
 * {@link InMemorySessionStore} is the default; a durable store keeps every record on disk as well.
 *
 * <p>Contract:
 * <ul>
 * <li><b>Thread-safe.</b> Every method may be called from any thread. Operations on one id take
 *     effect in the order they are made; the store keeps no ordering between ids.</li>
 * <li><b>{@link #save} and {@link #remove} are durable on return</b> for a durable store: once
 *     they return, the change survives a crash of the process or the machine. When it cannot be
 *     made durable they throw {@link java.io.UncheckedIOException} and the store keeps what it had
 *     before the call.</li>
 * <li><b>{@link #touch} may be lazy.</b> It changes the in-memory view at once ({@link #find}
 *     sees it) but a durable store may write it only on the next {@link #flush} or
 *     {@link #close}, so that the per-message path never waits for a disk. The owner calls
 *     {@code flush()} periodically (for example on each idle sweep); a crash loses at most the
 *     touches since the last flush, which only makes sessions look idle for longer than they
 *     were. A {@code save} of the same id writes the whole record it is given, so it settles any
 *     pending touch.</li>
 * <li><b>Malformed ids are not errors</b> for the look-up methods: {@link #find} answers empty and
 *     {@link #touch} and {@link #remove} do nothing, since ids often come from clients. A null id
 *     or record is a programming error ({@link NullPointerException}).</li>
 * <li>After {@link #close} every method except {@code close} throws {@link IllegalStateException}.</li>
 * </ul>
 */
public interface SessionStore extends SessionLookup, AutoCloseable {
    /** The order of {@link #loadAll}: oldest session first, ties broken by id. */
    Comparator<SessionRecord> RESTORE_ORDER =
            Comparator.comparingLong(SessionRecord::createdAtMillis).thenComparing(SessionRecord::id);

    /** Creates or replaces the record with {@code record.id()}. */
    void save(SessionRecord record);

    /** The record with this id, including touches not yet flushed. */
    @Override
    Optional<SessionRecord> find(String id);

    /**
     * Records that the client was heard from. The last-seen time only moves forward: an older
     * time than the stored one is ignored, so touches arriving out of order from several threads
     * cannot make a session look idle. Unknown ids are ignored.
     */
    void touch(String id, long lastSeenMillis);

    /** Deletes the record; nothing happens when there is none. */
    void remove(String id);

    /**
     * Every record, in {@link #RESTORE_ORDER}: what a starting node restores. A snapshot, not a
     * live view.
     */
    List<SessionRecord> loadAll();

    /** How many records the store holds. */
    int size();

    /**
     * Makes pending touches durable. Does nothing in a store whose touches are already durable
     * (or that is not durable at all).
     *
     * @throws java.io.UncheckedIOException when a touch could not be written; it stays pending
     */
    default void flush() {
    }

    /** Flushes pending touches and releases the store; calling it again does nothing. */
    @Override
    void close();
}
