package dev.switchboard.cluster.relay;

import java.time.Duration;

/**
 * The options of the cluster's peer directory.
 *
 * @param prefix          the cluster prefix: etcd keys {@code /<prefix>/peers/<peer id>}, NATS
 *                        subjects {@code <prefix>.relay.<node id>}
 * @param maxPeers        peer ids the node's cache holds at once, its own and other nodes' together
 *                        (at least 1): a registration beyond it is refused, another node's peer beyond
 *                        it is not cached (so not found from this node) and counted
 * @param maxWatchedIds   peer ids named by all open presence watches together (0 = no bound)
 * @param leaseTtlSeconds the TTL of the node's etcd lease, in whole seconds as etcd counts them: how
 *                        long a dead node's peers stay online for the others
 * @param callTimeout     the deadline of each etcd call
 */
public record ClusterPeerSettings(String prefix, int maxPeers, int maxWatchedIds, long leaseTtlSeconds, Duration callTimeout) {
    public static final String DEFAULT_PREFIX = "switchboard";
    public static final int DEFAULT_MAX_PEERS = 1_000_000;
    public static final long DEFAULT_LEASE_TTL_SECONDS = 5;
    public static final Duration DEFAULT_CALL_TIMEOUT = Duration.ofSeconds(5);

    public ClusterPeerSettings {
        if (maxPeers < 1) throw new IllegalArgumentException("maxPeers must be at least 1");
        if (maxWatchedIds < 0) throw new IllegalArgumentException("maxWatchedIds must not be negative");
        if (leaseTtlSeconds < 1) throw new IllegalArgumentException("the lease TTL is at least 1 s (etcd counts whole seconds)");
        if (callTimeout.isNegative() || callTimeout.isZero()) throw new IllegalArgumentException("callTimeout must be positive");
    }

    public static ClusterPeerSettings defaults() {
        return new ClusterPeerSettings(DEFAULT_PREFIX, DEFAULT_MAX_PEERS, 0, DEFAULT_LEASE_TTL_SECONDS, DEFAULT_CALL_TIMEOUT);
    }

    public ClusterPeerSettings withPrefix(String prefix) {
        return new ClusterPeerSettings(prefix, maxPeers, maxWatchedIds, leaseTtlSeconds, callTimeout);
    }

    public ClusterPeerSettings withMaxPeers(int maxPeers, int maxWatchedIds) {
        return new ClusterPeerSettings(prefix, maxPeers, maxWatchedIds, leaseTtlSeconds, callTimeout);
    }

    public ClusterPeerSettings withLeaseTtlSeconds(long seconds) {
        return new ClusterPeerSettings(prefix, maxPeers, maxWatchedIds, seconds, callTimeout);
    }

    public ClusterPeerSettings withCallTimeout(Duration callTimeout) {
        return new ClusterPeerSettings(prefix, maxPeers, maxWatchedIds, leaseTtlSeconds, callTimeout);
    }
}
