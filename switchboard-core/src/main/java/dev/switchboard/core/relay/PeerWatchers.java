package dev.switchboard.core.relay;

import dev.switchboard.protocol.Subjects;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * The presence watches of a {@link PeerDirectory}, whatever keeps its peers (one node's map, a
 * cluster's cache): who watches which ids or patterns, the bound on watched ids, and the ordered
 * telling of changes. Every method takes the directory's lock, the one the directory holds while
 * it changes its peers and calls {@link #notifyLocked}, so a watch sees each change once, in order.
 */
public final class PeerWatchers {
    private final Object lock;
    private final int maxWatchedIds;
    private final Predicate<String> isOnline;
    private final Supplier<Iterable<String>> onlineIds;
    /** Guarded by {@link #lock}. */
    private final Map<String, List<PeerWatch>> byId = new HashMap<>();
    /**
     * Guarded by {@link #lock}: the pattern watches, each tested against every change (a change
     * costs one match per pattern watch; their number is bounded by {@code maxWatchedIds}).
     */
    private final List<PeerWatch> patterns = new ArrayList<>();
    /** Guarded by {@link #lock}: ids named by open watches, counted once per watch. */
    private int watchedIds;
    private int watchCount;

    /**
     * @param lock          the directory's lock, held by it around every change it tells
     * @param maxWatchedIds peer ids named by all open watches together (0 = no bound)
     * @param isOnline      under the lock: whether a peer id is online now
     * @param onlineIds     under the lock: every peer id online now (walked by pattern watches)
     */
    public PeerWatchers(Object lock, int maxWatchedIds, Predicate<String> isOnline, Supplier<Iterable<String>> onlineIds) {
        this.lock = lock;
        this.maxWatchedIds = maxWatchedIds;
        this.isOnline = isOnline;
        this.onlineIds = onlineIds;
    }

    /** As {@link PeerDirectory#watch}. */
    public PeerDirectory.Watched watch(Collection<String> peerIds, PresenceListener listener) {
        Set<String> ids = new LinkedHashSet<>(peerIds);
        synchronized (lock) {
            if (maxWatchedIds > 0 && watchedIds + ids.size() > maxWatchedIds) {
                return new PeerDirectory.Watched.Refused("the node watches " + maxWatchedIds + " peer ids already");
            }
            PeerWatch watch = new PeerWatch(ids, null, listener);
            watchCount++;
            watchedIds += ids.size();
            for (String id : ids) {
                byId.computeIfAbsent(id, k -> new ArrayList<>()).add(watch);
                if (isOnline.test(id)) listener.online(id);
            }
            return watch;
        }
    }

    /** As {@link PeerDirectory#watchPattern}. */
    public PeerDirectory.Watched watchPattern(String pattern, PresenceListener listener) {
        String problem = Subjects.patternError(pattern);
        if (problem != null) throw new IllegalArgumentException("pattern: " + problem);
        synchronized (lock) {
            if (maxWatchedIds > 0 && watchedIds + 1 > maxWatchedIds) {
                return new PeerDirectory.Watched.Refused("the node watches " + maxWatchedIds + " peer ids already");
            }
            PeerWatch watch = new PeerWatch(Set.of(), pattern, listener);
            watchCount++;
            watchedIds++;
            patterns.add(watch);
            for (String id : watch.onlineLocked()) listener.online(id);
            return watch;
        }
    }

    /** Watches open. */
    public int watchCount() {
        synchronized (lock) {
            return watchCount;
        }
    }

    /** Under the lock: tells the watchers of {@code peerId} that it came or went. */
    public void notifyLocked(String peerId, boolean online) {
        List<PeerWatch> list = byId.get(peerId);
        if (list != null) {
            for (PeerWatch w : list) tell(w, peerId, online);
        }
        for (PeerWatch w : patterns) {
            if (Subjects.matches(w.pattern, peerId)) tell(w, peerId, online);
        }
    }

    private static void tell(PeerWatch w, String peerId, boolean online) {
        if (online) w.listener.online(peerId);
        else w.listener.offline(peerId);
    }

    /** A watch of a set of ids ({@code pattern} null) or of a pattern ({@code ids} empty). */
    private final class PeerWatch implements PeerDirectory.Watch {
        final Set<String> ids;
        final String pattern;
        final PresenceListener listener;
        boolean closed;

        PeerWatch(Set<String> ids, String pattern, PresenceListener listener) {
            this.ids = ids;
            this.pattern = pattern;
            this.listener = listener;
        }

        int weight() {
            return pattern == null ? ids.size() : 1;
        }

        /** Under the lock: the watched peers online now. */
        List<String> onlineLocked() {
            List<String> online = new ArrayList<>();
            if (pattern == null) {
                for (String id : ids) if (isOnline.test(id)) online.add(id);
            } else {
                for (String id : onlineIds.get()) if (Subjects.matches(pattern, id)) online.add(id);
            }
            return online;
        }

        @Override
        public void resync() {
            synchronized (lock) {
                if (!closed) listener.resynced(onlineLocked());
            }
        }

        @Override
        public void close() {
            synchronized (lock) {
                if (closed) return;
                closed = true;
                watchCount--;
                watchedIds -= weight();
                if (pattern != null) patterns.remove(this);
                for (String id : ids) {
                    List<PeerWatch> list = byId.get(id);
                    if (list != null && list.remove(this) && list.isEmpty()) byId.remove(id);
                }
            }
        }
    }
}
