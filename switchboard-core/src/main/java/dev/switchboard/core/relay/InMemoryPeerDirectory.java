package dev.switchboard.core.relay;

import java.util.Collection;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The peer directory of one node. Lookups ({@link #find}, once per relayed message) read a
 * concurrent map without locking; changes and watch notifications happen under one lock, so that
 * every watcher sees the changes of its peers in the order they were made, and a watch never
 * misses or repeats one.
 */
public final class InMemoryPeerDirectory implements PeerDirectory {
    private final int maxPeers;
    private final Object lock = new Object();
    private final Map<String, PeerClaim> peers = new ConcurrentHashMap<>();
    private final PeerWatchers watchers;

    /**
     * @param maxPeers      peer ids online at once (0 = no bound)
     * @param maxWatchedIds peer ids named by all open watches together (0 = no bound)
     */
    public InMemoryPeerDirectory(int maxPeers, int maxWatchedIds) {
        this.maxPeers = maxPeers;
        this.watchers = new PeerWatchers(lock, maxWatchedIds, peers::containsKey, peers::keySet);
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
                if (peers.remove(peerId, this)) watchers.notifyLocked(peerId, false);
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
            if (displaced == null) watchers.notifyLocked(peerId, true);
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
        return watchers.watch(peerIds, listener);
    }

    @Override
    public Watched watchPattern(String pattern, PresenceListener listener) {
        return watchers.watchPattern(pattern, listener);
    }

    @Override
    public int size() {
        return peers.size();
    }

    @Override
    public int watchCount() {
        return watchers.watchCount();
    }
}
