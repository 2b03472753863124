package dev.switchboard.core.session.store;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The default {@link SessionStore}: records in a concurrent map, gone when the process ends.
 * Nothing is pending, so {@link #flush} has nothing to do.
 */
public final class InMemorySessionStore implements SessionStore {
    private final ConcurrentHashMap<String, SessionRecord> records = new ConcurrentHashMap<>();
    private volatile boolean closed;

    @Override
    public void save(SessionRecord record) {
        Objects.requireNonNull(record, "record");
        ensureOpen();
        records.put(record.id(), record);
    }

    @Override
    public Optional<SessionRecord> find(String id) {
        Objects.requireNonNull(id, "id");
        ensureOpen();
        return Optional.ofNullable(records.get(id));
    }

    @Override
    public void touch(String id, long lastSeenMillis) {
        Objects.requireNonNull(id, "id");
        ensureOpen();
        records.computeIfPresent(id, (k, r) -> lastSeenMillis > r.lastSeenMillis() ? r.withLastSeen(lastSeenMillis) : r);
    }

    @Override
    public void remove(String id) {
        Objects.requireNonNull(id, "id");
        ensureOpen();
        records.remove(id);
    }

    @Override
    public List<SessionRecord> loadAll() {
        ensureOpen();
        List<SessionRecord> all = new ArrayList<>(records.values());
        all.sort(RESTORE_ORDER);
        return List.copyOf(all);
    }

    @Override
    public int size() {
        ensureOpen();
        return records.size();
    }

    /** Nothing is ever pending here; only checks that the store is open, as the contract asks. */
    @Override
    public void flush() {
        ensureOpen();
    }

    @Override
    public void close() {
        closed = true;
        records.clear();
    }

    private void ensureOpen() {
        if (closed) throw new IllegalStateException("session store is closed");
    }
}
