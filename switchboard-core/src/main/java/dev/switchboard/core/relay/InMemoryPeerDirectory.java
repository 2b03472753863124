package dev.switchboard.core.relay;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import dev.switchboard.protocol.Subjects;

/**
 * The peer directory of one node. Lookups ({@link #find}, once per relayed message) read a
 * concurrent map without locking; changes and watch notifications happen under one lock, so that
 * every watcher sees the changes of its peers in the order they were made, and a watch never
 * misses or repeats one.
 */
public final class InMemoryPeerDirectory implements PeerDirectory {
    private final int maxPeers;
    private final int maxWatchedIds;
    private final Object lock = new Object();
    private final Map<String, PeerClaim> peers = new ConcurrentHashMap<>();
    /** Guarded by {@link #lock}. */
    private final Map<String, List<PeerWatch>> watchers = new HashMap<>();
    /**
     * Guarded by {@link #lock}: the pattern watches, each tested against every change (a change
     * costs one match per pattern watch; their number is bounded by {@code maxWatchedIds}).
     */
    private final List<PeerWatch> patternWatchers = new ArrayList<>();
    /** Guarded by {@link #lock}: ids named by open watches, counted once per watch. */
    private int watchedIds;
    private int watchCount;

    /**
     * @param maxPeers      peer ids online at once (0 = no bound)
     * @param maxWatchedIds peer ids named by all open watches together (0 = no bound)
     */
    public InMemoryPeerDirectory(int maxPeers, int maxWatchedIds) {
        this.maxPeers = maxPeers;
        this.maxWatchedIds = maxWatchedIds;
    }

    private final class PeerClaim implements Claim {
        final String peerId;
        final PeerEndpoint endpoint;

        PeerClaim(String peerId, PeerEndpoint endpoint) {
            this.peerId = peerId;
            this.endpoint = endpoint;
        }

        @Override
        public String peerId() {
            return peerId;
        }

        @Override
        public void close() {
            synchronized (lock) {
                if (peers.remove(peerId, this)) notifyLocked(peerId, false);
            }
        }
    }

    /** A watch of a set of ids ({@code pattern} null) or of a pattern ({@code ids} empty). */
    private final class PeerWatch implements Watch {
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
                for (String id : ids) if (peers.containsKey(id)) online.add(id);
            } else {
                for (String id : peers.keySet()) if (Subjects.matches(pattern, id)) online.add(id);
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
                if (pattern != null) patternWatchers.remove(this);
                for (String id : ids) {
                    List<PeerWatch> list = watchers.get(id);
                    if (list != null && list.remove(this) && list.isEmpty()) watchers.remove(id);
                }
            }
        }
    }

    @Override
    public Claimed register(String peerId, PeerEndpoint endpoint) {
        PeerClaim claim = new PeerClaim(peerId, endpoint);
        PeerClaim displaced;
        synchronized (lock) {
            if (maxPeers > 0 && !peers.containsKey(peerId) && peers.size() >= maxPeers) {
                return new Claimed.Refused("the node has " + maxPeers + " peers online already");
            }
            displaced = peers.put(peerId, claim);
            if (displaced == null) notifyLocked(peerId, true);
        }
        if (displaced != null) displaced.endpoint.displaced(peerId);
        return claim;
    }

    @Override
    public Optional<PeerEndpoint> find(String peerId) {
        PeerClaim claim = peers.get(peerId);
        return claim == null ? Optional.empty() : Optional.of(claim.endpoint);
    }

    @Override
    public Watched watch(Collection<String> peerIds, PresenceListener listener) {
        Set<String> ids = new LinkedHashSet<>(peerIds);
        synchronized (lock) {
            if (maxWatchedIds > 0 && watchedIds + ids.size() > maxWatchedIds) {
                return new Watched.Refused("the node watches " + maxWatchedIds + " peer ids already");
            }
            PeerWatch watch = new PeerWatch(ids, null, listener);
            watchCount++;
            watchedIds += ids.size();
            for (String id : ids) {
                watchers.computeIfAbsent(id, k -> new ArrayList<>()).add(watch);
                if (peers.containsKey(id)) listener.online(id);
            }
            return watch;
        }
    }

    @Override
    public Watched watchPattern(String pattern, PresenceListener listener) {
        String problem = Subjects.patternError(pattern);
        if (problem != null) throw new IllegalArgumentException("pattern: " + problem);
        synchronized (lock) {
            if (maxWatchedIds > 0 && watchedIds + 1 > maxWatchedIds) {
                return new Watched.Refused("the node watches " + maxWatchedIds + " peer ids already");
            }
            PeerWatch watch = new PeerWatch(Set.of(), pattern, listener);
            watchCount++;
            watchedIds++;
            patternWatchers.add(watch);
            for (String id : watch.onlineLocked()) listener.online(id);
            return watch;
        }
    }

    @Override
    public int size() {
        return peers.size();
    }

    @Override
    public int watchCount() {
        synchronized (lock) {
            return watchCount;
        }
    }

    /** Under the lock: tells the watchers of {@code peerId} that it came or went. */
    private void notifyLocked(String peerId, boolean online) {
        List<PeerWatch> list = watchers.get(peerId);
        if (list != null) {
            for (PeerWatch w : list) tell(w, peerId, online);
        }
        for (PeerWatch w : patternWatchers) {
            if (Subjects.matches(w.pattern, peerId)) tell(w, peerId, online);
        }
    }

    private static void tell(PeerWatch w, String peerId, boolean online) {
        if (online) w.listener.online(peerId);
        else w.listener.offline(peerId);
    }
}
