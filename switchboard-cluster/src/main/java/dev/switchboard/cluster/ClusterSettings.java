package dev.switchboard.cluster;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * How a node joins its cluster: where NATS and etcd are, who the node is, and how it authenticates
 * to each. Set together (both engines or neither): a node with NATS and no etcd would serve locks
 * that other nodes cannot see.
 *
 * @param nodeId           unique among the cluster's nodes; names the node's subjects and keys
 * @param advertiseAddress the {@code host:port} other nodes and clients reach this node at
 * @param prefix           first subject token and etcd key segment of everything the cluster stores
 * @param nats             NATS servers and credentials
 * @param etcd             etcd endpoints and credentials
 * @param connectTimeout   how long the first NATS connection may take; also etcd's connect timeout
 * @param healthInterval   how often etcd is probed for {@code /ready}
 * @param healthTimeout    the deadline of one etcd probe; a probe over it counts as etcd unreachable
 * @param signalCountWait  how long dflockd's {@code signal} waits for the other nodes' delivery counts
 *                         before it answers {@code ok N} (zero: this node's count only, at once)
 * @param engines          the deadlines, lease and bounds of the engines themselves
 */
public record ClusterSettings(String nodeId, String advertiseAddress, String prefix, Nats nats, Etcd etcd,
                              Duration connectTimeout, Duration healthInterval, Duration healthTimeout,
                              Duration signalCountWait, Engines engines) {
    public static final String DEFAULT_PREFIX = "switchboard";
    /** Long enough for a NATS round trip on a LAN under load, short enough for a lock client's {@code signal}. */
    public static final Duration DEFAULT_SIGNAL_COUNT_WAIT = Duration.ofMillis(50);
    /** A signal's answer must stay prompt: a longer wait is refused. */
    public static final Duration MAX_SIGNAL_COUNT_WAIT = Duration.ofSeconds(5);

    /** With the default signal count wait and engine settings. */
    public ClusterSettings(String nodeId, String advertiseAddress, String prefix, Nats nats, Etcd etcd,
                           Duration connectTimeout, Duration healthInterval, Duration healthTimeout) {
        this(nodeId, advertiseAddress, prefix, nats, etcd, connectTimeout, healthInterval, healthTimeout,
                DEFAULT_SIGNAL_COUNT_WAIT, Engines.defaults());
    }

    /** With the default signal count wait. */
    public ClusterSettings(String nodeId, String advertiseAddress, String prefix, Nats nats, Etcd etcd,
                           Duration connectTimeout, Duration healthInterval, Duration healthTimeout, Engines engines) {
        this(nodeId, advertiseAddress, prefix, nats, etcd, connectTimeout, healthInterval, healthTimeout,
                DEFAULT_SIGNAL_COUNT_WAIT, engines);
    }

    /** With the default engine settings. */
    public ClusterSettings(String nodeId, String advertiseAddress, String prefix, Nats nats, Etcd etcd,
                           Duration connectTimeout, Duration healthInterval, Duration healthTimeout, Duration signalCountWait) {
        this(nodeId, advertiseAddress, prefix, nats, etcd, connectTimeout, healthInterval, healthTimeout,
                signalCountWait, Engines.defaults());
    }

    public ClusterSettings {
        if (nodeId == null || nodeId.isBlank()) throw new IllegalArgumentException("the node id is empty");
        if (prefix == null || prefix.isBlank()) throw new IllegalArgumentException("the cluster prefix is empty");
        if (!prefix.matches("[A-Za-z0-9_-]+")) {
            throw new IllegalArgumentException("the cluster prefix '" + prefix
                    + "' may hold only letters, digits, '_' and '-' (it is a NATS subject token and an etcd key segment)");
        }
        if (nats.urls().isEmpty()) throw new IllegalArgumentException("no NATS server URL");
        if (etcd.urls().isEmpty()) throw new IllegalArgumentException("no etcd endpoint URL");
        if (engines == null) engines = Engines.defaults();
        if (signalCountWait == null) signalCountWait = DEFAULT_SIGNAL_COUNT_WAIT;
        if (signalCountWait.isNegative() || signalCountWait.compareTo(MAX_SIGNAL_COUNT_WAIT) > 0) {
            throw new IllegalArgumentException("the signal count wait must be between 0 and "
                    + MAX_SIGNAL_COUNT_WAIT.toMillis() + " ms, not " + signalCountWait.toMillis() + " ms");
        }
        if (healthTimeout.compareTo(healthInterval) > 0) {
            healthTimeout = healthInterval; // one probe at a time: a probe never outlives the next one's start
        }
    }

    /** With the defaults for the timing settings and the engines. */
    public static ClusterSettings of(String nodeId, String advertiseAddress, String prefix, Nats nats, Etcd etcd) {
        return new ClusterSettings(nodeId, advertiseAddress, prefix, nats, etcd, Duration.ofSeconds(5),
                Duration.ofSeconds(1), Duration.ofSeconds(1), DEFAULT_SIGNAL_COUNT_WAIT, Engines.defaults());
    }

    /** The same settings with {@code engines}. */
    public ClusterSettings withEngines(Engines engines) {
        return new ClusterSettings(nodeId, advertiseAddress, prefix, nats, etcd, connectTimeout, healthInterval,
                healthTimeout, signalCountWait, engines);
    }

    /**
     * What the cluster engines are built with (options {@code --cluster-*}, docs/operations.md). One
     * deadline and one lease serve every engine, as they mean the same thing in each.
     *
     * @param callTimeout         the deadline of each call to etcd or NATS an engine waits for (a lock
     *                            request's etcd transaction, a peer's key, a subscription's confirmation):
     *                            a call that misses it fails what it serves instead of hanging
     * @param leaseTtlSeconds     the TTL of the node's etcd lease, whole seconds as etcd counts them: how
     *                            long a dead node's waiters stay queued and its peers stay online
     * @param maxPeers            peer ids the node's directory caches, its own and other nodes' together
     * @param maxPendingMessages  messages from other nodes waiting for the node's NATS dispatcher; NATS drops
     *                            the next ones
     * @param maxPendingBytes     the same bound in bytes
     * @param maxCountedPublishes dflockd {@code signal}s waiting for other nodes' counts at once; past it
     *                            one counts this node's receivers only
     * @param maxOrigins          other node instances whose last message number the broker remembers
     * @param rpcMaxInFlight      requests this node has out on NATS at once, waiting for another node
     * @param historyMaxPending   topic history publishes and reads waiting for JetStream at once
     */
    public record Engines(Duration callTimeout, long leaseTtlSeconds, int maxPeers, int maxPendingMessages,
                          long maxPendingBytes, int maxCountedPublishes, int maxOrigins, int rpcMaxInFlight,
                          int historyMaxPending) {
        public static final Duration DEFAULT_CALL_TIMEOUT = Duration.ofSeconds(5);
        public static final long DEFAULT_LEASE_TTL_SECONDS = 5;

        public Engines {
            if (callTimeout == null || callTimeout.isNegative() || callTimeout.isZero()) {
                throw new IllegalArgumentException("--cluster-call-timeout must be positive");
            }
            if (leaseTtlSeconds < 2) throw new IllegalArgumentException("--cluster-lease-ttl must be at least 2 (seconds)");
            if (maxPeers < 1) throw new IllegalArgumentException("--cluster-max-peers must be at least 1");
            if (maxPendingMessages < 1) throw new IllegalArgumentException("--cluster-max-pending-messages must be at least 1");
            if (maxPendingBytes < 1) throw new IllegalArgumentException("--cluster-max-pending-bytes must be at least 1");
            if (maxCountedPublishes < 0) throw new IllegalArgumentException("--cluster-max-counted-publishes must not be negative");
            if (maxOrigins < 1) throw new IllegalArgumentException("--cluster-max-origins must be at least 1");
            if (rpcMaxInFlight < 1) throw new IllegalArgumentException("--cluster-rpc-max-in-flight must be at least 1");
            if (historyMaxPending < 1) throw new IllegalArgumentException("--cluster-history-max-pending must be at least 1");
        }

        /** With the default bound on history operations waiting for JetStream. */
        public Engines(Duration callTimeout, long leaseTtlSeconds, int maxPeers, int maxPendingMessages,
                       long maxPendingBytes, int maxCountedPublishes, int maxOrigins, int rpcMaxInFlight) {
            this(callTimeout, leaseTtlSeconds, maxPeers, maxPendingMessages, maxPendingBytes, maxCountedPublishes, maxOrigins,
                    rpcMaxInFlight, dev.switchboard.cluster.nats.NatsBrokerSettings.DEFAULT_HISTORY_PENDING);
        }

        /** The same, with {@code n} history operations waiting for JetStream at most. */
        public Engines withHistoryMaxPending(int n) {
            return new Engines(callTimeout, leaseTtlSeconds, maxPeers, maxPendingMessages, maxPendingBytes,
                    maxCountedPublishes, maxOrigins, rpcMaxInFlight, n);
        }

        public static Engines defaults() {
            return new Engines(DEFAULT_CALL_TIMEOUT, DEFAULT_LEASE_TTL_SECONDS,
                    dev.switchboard.cluster.relay.ClusterPeerSettings.DEFAULT_MAX_PEERS,
                    dev.switchboard.cluster.nats.NatsBrokerSettings.DEFAULT_PENDING_MESSAGES,
                    dev.switchboard.cluster.nats.NatsBrokerSettings.DEFAULT_PENDING_BYTES,
                    dev.switchboard.cluster.nats.NatsBrokerSettings.DEFAULT_COUNTED_PUBLISHES,
                    dev.switchboard.cluster.nats.NatsBrokerSettings.DEFAULT_ORIGINS,
                    dev.switchboard.cluster.nats.NatsRpcSettings.DEFAULT_MAX_IN_FLIGHT);
        }
    }

    /**
     * NATS servers and at most one way to authenticate.
     *
     * @param credsFile a {@code .creds} file (JWT and NKey seed), or null
     * @param user      with {@code password}, or null
     * @param token     a server token, or null
     * @param tlsCa     PEM file of the CA that signed the servers' certificates (use {@code tls://} URLs), or null
     */
    public record Nats(List<String> urls, Path credsFile, String user, String password, String token, Path tlsCa) {
        public Nats {
            urls = List.copyOf(urls);
            int ways = (credsFile != null ? 1 : 0) + (user != null ? 1 : 0) + (token != null ? 1 : 0);
            if (ways > 1) throw new IllegalArgumentException("give one NATS credential: a creds file, a user and password, or a token");
            if ((user == null) != (password == null)) throw new IllegalArgumentException("a NATS user needs a password, and a password a user");
        }

        public static Nats plain(List<String> urls) {
            return new Nats(urls, null, null, null, null, null);
        }

        @Override
        public String toString() { // no secrets in logs
            return "Nats" + urls;
        }
    }

    /**
     * etcd endpoints and credentials.
     *
     * @param user  with {@code password}, or null
     * @param tlsCa PEM file of the CA that signed the endpoints' certificates (use {@code https://} URLs), or null
     */
    public record Etcd(List<String> urls, String user, String password, Path tlsCa) {
        public Etcd {
            urls = List.copyOf(urls);
            if ((user == null) != (password == null)) throw new IllegalArgumentException("an etcd user needs a password, and a password a user");
        }

        public static Etcd plain(List<String> urls) {
            return new Etcd(urls, null, null, null);
        }

        @Override
        public String toString() { // no secrets in logs
            return "Etcd" + urls;
        }
    }

    @Override
    public String toString() { // no secrets in logs
        return "ClusterSettings[node " + nodeId + " at " + advertiseAddress + ", prefix " + prefix + ", nats " + nats.urls()
                + ", etcd " + etcd.urls() + "]";
    }
}
