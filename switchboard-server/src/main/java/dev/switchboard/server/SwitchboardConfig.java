package dev.switchboard.server;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * Every setting of a Switchboard node. Immutable; built with {@link #builder()}. Defaults follow
 * dflockd 2.1 where dflockd has the setting, with deliberate differences: the idle read deadline
 * ({@link #readTimeout()}) is off by default, and the caps dflockd leaves unlimited by default
 * (waiters, subscriptions, connections, sessions) are bounded (see
 * {@link dev.switchboard.server.limits.Limits}, which lists every limit and its default).
 */
public final class SwitchboardConfig {
    /** dflockd's longest accepted seconds value: MaxInt64 / 1e9. */
    public static final long MAX_SECONDS = 9_223_372_036L;

    private final String host;
    private final int port;
    private final Duration defaultLeaseTtl;
    private final Duration leaseSweepInterval;
    private final Duration gcInterval;
    private final Duration gcMaxIdle;
    private final int maxLocks;
    private final int maxWaiters;
    private final int lockMailboxSize;
    private final int sessionMailboxSize;
    private final int maxConnections;
    private final int maxConnectionsPerIp;
    private final int maxSubscriptions;
    private final Duration readTimeout;
    private final Duration writeTimeout;
    private final Duration shutdownTimeout;
    private final Duration detectTimeout;
    private final Duration handshakeTimeout;
    private final Duration heartbeatInterval;
    private final boolean autoReleaseOnDisconnect;
    private final String authToken;
    private final String adminToken;
    private final Path tlsCert;
    private final Path tlsKey;
    private final Path fenceStateFile;
    private final Path dataDir;
    private final int maxFrameBytes;
    private final int signalBufferSize;
    private final int maxRequestsInFlight;
    private final long replayTotalBytes;
    private final String httpHost;
    private final int httpPort;
    private final Duration httpSessionIdleTimeout;
    private final int httpMaxSessions;
    private final int httpMaxSessionsPerIp;
    private final int httpMaxConnectionsPerIp;
    private final double httpRateLimitPerIp;
    private final int httpRateLimitBurst;
    private final java.util.List<String> httpCorsAllowedOrigins;
    private final Duration httpSsePingInterval;
    private final int httpMaxBodyBytes;
    private final int replayBufferMessages;
    private final dev.switchboard.core.session.store.SessionStore sessionStore;
    private final dev.switchboard.core.time.NodeClock clock;
    private final dev.switchboard.core.Engines engines;
    private final dev.switchboard.cluster.ClusterSettings cluster;
    private final dev.switchboard.cluster.ClusterSettings.Engines clusterEngines;
    private final dev.switchboard.core.session.store.SessionKeys sessionKeys;
    private final Path unixSocket;
    private final long replayBufferBytes;
    private final int maxSessionsPerIp;
    private final int maxSessions;
    private final int maxConnectionsPerSession;
    private final Duration sessionGrace;
    private final Duration httpRequestTimeout;
    private final java.util.List<String> wsAllowedOrigins;
    private final long httpMaxPendingBytes;
    private final dev.switchboard.server.transport.IoTransport ioTransport;
    private final int ioThreads;
    private final java.util.List<String> httpAllowedHosts;
    private final int dflockdMaxPipelined;
    private final int httpMaxPipelined;
    private final int rpcMaxInFlight;
    private final long rpcDefaultTimeoutMs;
    private final long rpcMaxTimeoutMs;
    private final int rpcMaxFanout;
    private final int rpcStreamWindow;
    private final int presenceMaxWatchesPerSession;
    private final int topicPresenceMaxWatchesPerSession;
    private final int presenceMaxIdsPerWatch;
    private final int presenceMaxQueuedPerWatch;
    private final dev.switchboard.server.transport.relay.RelaySettings relay;
    private final int relayMaxMessageBytes;
    private final long relayMaxMessagesPerSecond;
    private final long relayMaxBytesPerSecond;
    private final int relayMaxUnacknowledged;
    private final dev.switchboard.core.rpc.InProcessHandlers rpcHandlers;
    private final dev.switchboard.server.embed.EmbeddingHooks embeddingHooks;
    private final java.util.List<dev.switchboard.server.webhook.WebhookRule> rpcWebhooks;
    private final java.util.List<String> rpcHookUrlAllow;
    private final int webhookMaxInFlight;
    private final long webhookConnectTimeoutMs;
    private final int webhookMaxResponseBytes;
    private final int acommMaxInFlight;
    private final int acommMaxHookDeliveries;
    private final int adminSnapshotMaxItems;
    private final long acommHookTimeoutMs;
    private final java.util.Map<String, String> acommBackends;
    private final java.util.List<dev.switchboard.core.pubsub.HistoryRule> topicHistory;
    private final long topicHistoryMaxBytes;
    private final int topicHistoryMaxTopics;
    private final dev.switchboard.server.transport.SlowConsumerPolicy slowConsumerPolicy;
    private final dev.switchboard.server.identity.Acl acl;
    private final dev.switchboard.server.identity.SignedTokens signedTokens;
    private final Duration tokenExpiryGrace;

    private SwitchboardConfig(Builder b) {
        this.host = b.host;
        this.port = b.port;
        this.defaultLeaseTtl = b.defaultLeaseTtl;
        this.leaseSweepInterval = b.leaseSweepInterval;
        this.gcInterval = b.gcInterval;
        this.gcMaxIdle = b.gcMaxIdle;
        this.maxLocks = b.maxLocks;
        this.maxWaiters = b.maxWaiters;
        this.lockMailboxSize = b.lockMailboxSize;
        this.sessionMailboxSize = b.sessionMailboxSize;
        this.maxConnections = b.maxConnections;
        this.maxConnectionsPerIp = b.maxConnectionsPerIp;
        this.maxSubscriptions = b.maxSubscriptions;
        this.readTimeout = b.readTimeout;
        this.writeTimeout = b.writeTimeout;
        this.shutdownTimeout = b.shutdownTimeout;
        this.detectTimeout = b.detectTimeout;
        this.handshakeTimeout = b.handshakeTimeout;
        this.heartbeatInterval = b.heartbeatInterval;
        this.autoReleaseOnDisconnect = b.autoReleaseOnDisconnect;
        this.authToken = b.authToken;
        this.adminToken = b.adminToken;
        this.tlsCert = b.tlsCert;
        this.tlsKey = b.tlsKey;
        this.fenceStateFile = b.fenceStateFile;
        this.dataDir = b.dataDir;
        this.maxFrameBytes = b.maxFrameBytes;
        this.signalBufferSize = b.signalBufferSize;
        this.maxRequestsInFlight = b.maxRequestsInFlight;
        this.replayTotalBytes = b.replayTotalBytes;
        this.httpHost = b.httpHost;
        this.httpPort = b.httpPort;
        this.httpSessionIdleTimeout = b.httpSessionIdleTimeout;
        this.httpMaxSessions = b.httpMaxSessions;
        this.httpMaxSessionsPerIp = b.httpMaxSessionsPerIp;
        this.httpMaxConnectionsPerIp = b.httpMaxConnectionsPerIp;
        this.httpRateLimitPerIp = b.httpRateLimitPerIp;
        this.httpRateLimitBurst = b.httpRateLimitBurst;
        this.httpCorsAllowedOrigins = b.httpCorsAllowedOrigins;
        this.httpSsePingInterval = b.httpSsePingInterval;
        this.httpMaxBodyBytes = b.httpMaxBodyBytes;
        this.replayBufferMessages = b.replayBufferMessages;
        this.sessionStore = b.sessionStore;
        this.clock = b.clock;
        this.engines = b.engines;
        this.cluster = b.cluster;
        this.clusterEngines = b.clusterEngines;
        this.sessionKeys = b.sessionKeys;
        this.unixSocket = b.unixSocket;
        this.replayBufferBytes = b.replayBufferBytes;
        this.maxSessionsPerIp = b.maxSessionsPerIp;
        this.maxSessions = b.maxSessions;
        this.maxConnectionsPerSession = b.maxConnectionsPerSession;
        this.sessionGrace = b.sessionGrace;
        this.httpRequestTimeout = b.httpRequestTimeout;
        this.wsAllowedOrigins = b.wsAllowedOrigins;
        this.httpMaxPendingBytes = b.httpMaxPendingBytes;
        this.ioTransport = b.ioTransport != null ? b.ioTransport : dev.switchboard.server.transport.IoTransport.auto();
        if (b.ioThreads < 0) {
            throw new IllegalArgumentException("--io-threads must be 0 (one per CPU core) or more, not " + b.ioThreads);
        }
        this.ioThreads = b.ioThreads;
        this.embeddingHooks = b.embeddingHooks;
        this.httpAllowedHosts = b.httpAllowedHosts;
        this.dflockdMaxPipelined = b.dflockdMaxPipelined;
        this.httpMaxPipelined = b.httpMaxPipelined;
        this.rpcMaxInFlight = b.rpcMaxInFlight;
        this.rpcDefaultTimeoutMs = b.rpcDefaultTimeoutMs;
        this.rpcMaxTimeoutMs = b.rpcMaxTimeoutMs;
        this.rpcMaxFanout = b.rpcMaxFanout;
        this.rpcStreamWindow = b.rpcStreamWindow;
        this.presenceMaxWatchesPerSession = b.presenceMaxWatchesPerSession;
        this.topicPresenceMaxWatchesPerSession = b.topicPresenceMaxWatchesPerSession;
        this.presenceMaxIdsPerWatch = b.presenceMaxIdsPerWatch;
        this.presenceMaxQueuedPerWatch = b.presenceMaxQueuedPerWatch;
        this.relay = b.relay;
        this.relayMaxMessageBytes = b.relayMaxMessageBytes;
        this.relayMaxMessagesPerSecond = b.relayMaxMessagesPerSecond;
        this.relayMaxBytesPerSecond = b.relayMaxBytesPerSecond;
        this.relayMaxUnacknowledged = b.relayMaxUnacknowledged;
        this.rpcHandlers = b.rpcHandlers;
        this.rpcWebhooks = b.rpcWebhooks;
        this.rpcHookUrlAllow = b.rpcHookUrlAllow;
        this.webhookMaxInFlight = b.webhookMaxInFlight;
        this.webhookConnectTimeoutMs = b.webhookConnectTimeoutMs;
        this.webhookMaxResponseBytes = b.webhookMaxResponseBytes;
        this.acommMaxInFlight = b.acommMaxInFlight;
        this.acommMaxHookDeliveries = b.acommMaxHookDeliveries;
        this.adminSnapshotMaxItems = b.adminSnapshotMaxItems;
        this.acommHookTimeoutMs = b.acommHookTimeoutMs;
        this.acommBackends = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(b.acommBackends));
        this.topicHistory = b.topicHistory;
        this.topicHistoryMaxBytes = b.topicHistoryMaxBytes;
        this.topicHistoryMaxTopics = b.topicHistoryMaxTopics;
        this.slowConsumerPolicy = b.slowConsumerPolicy;
        this.acl = b.acl;
        this.signedTokens = b.signedTokens;
        this.tokenExpiryGrace = b.tokenExpiryGrace;
    }

    public static Builder builder() {
        return new Builder();
    }

    public static SwitchboardConfig defaults() {
        return builder().build();
    }

    public String host() { return host; }
    public int port() { return port; }
    public Duration defaultLeaseTtl() { return defaultLeaseTtl; }
    public Duration leaseSweepInterval() { return leaseSweepInterval; }
    public Duration gcInterval() { return gcInterval; }
    public Duration gcMaxIdle() { return gcMaxIdle; }
    public int maxLocks() { return maxLocks; }
    public int maxWaiters() { return maxWaiters; }
    /** Client lock requests that may wait in one of the lock engine's 64 shard mailboxes. */
    public int lockMailboxSize() { return lockMailboxSize; }
    /** Event deliveries that may wait in one session's mailbox; one more cuts its connections as slow consumers. */
    public int sessionMailboxSize() { return sessionMailboxSize; }
    public int maxConnections() { return maxConnections; }
    public int maxConnectionsPerIp() { return maxConnectionsPerIp; }
    public int maxSubscriptions() { return maxSubscriptions; }
    /** Per-line read deadline for dflockd connections; {@link Duration#ZERO} = off (the default). */
    public Duration readTimeout() { return readTimeout; }
    public Duration writeTimeout() { return writeTimeout; }
    /** How long a graceful stop waits for connections to finish; ZERO = forever. */
    public Duration shutdownTimeout() { return shutdownTimeout; }
    public Duration detectTimeout() { return detectTimeout; }
    /** How long a native, frame or WebSocket connection may take to get its hello answered. */
    public Duration handshakeTimeout() { return handshakeTimeout; }
    /** Native protocol heartbeat; ZERO = off. */
    public Duration heartbeatInterval() { return heartbeatInterval; }
    public boolean autoReleaseOnDisconnect() { return autoReleaseOnDisconnect; }
    /** The shared auth token, or null when auth is off. */
    public String authToken() { return authToken; }
    /**
     * The token of the admin HTTP routes ({@code X-Switchboard-Admin}), or null when they are
     * disabled (they then answer 404 {@code admin_disabled}). Independent of {@link #authToken()}.
     */
    public String adminToken() { return adminToken; }
    public boolean adminEnabled() { return adminToken != null; }
    public Path tlsCert() { return tlsCert; }
    public Path tlsKey() { return tlsKey; }
    public boolean tlsEnabled() { return tlsCert != null; }
    public Path fenceStateFile() { return fenceStateFile; }
    public Path dataDir() { return dataDir; }
    /** The fence state file in use: the explicit one, else {@code <data-dir>/fence.state}, else null. */
    public Path effectiveFenceStateFile() {
        if (fenceStateFile != null) return fenceStateFile;
        return dataDir == null ? null : dataDir.resolve("fence.state");
    }
    public int maxFrameBytes() { return maxFrameBytes; }
    /** dflockd signal push buffer per connection; a listener further behind is evicted. */
    public int signalBufferSize() { return signalBufferSize; }
    /** Native requests one connection may have dispatched and unanswered at once. */
    public int maxRequestsInFlight() { return maxRequestsInFlight; }
    /** Bytes of buffered events over every session; 0 = a quarter of the JVM's largest heap. */
    public long replayTotalBytes() { return replayTotalBytes; }

    /** Host of the extra HTTP-only listener; null = the same as {@link #host()}. */
    public String httpHost() { return httpHost == null ? host : httpHost; }
    /** Port of dflockd's separate HTTP listener; 0 = none (the main port serves HTTP regardless). */
    public int httpPort() { return httpPort; }
    public Duration httpSessionIdleTimeout() { return httpSessionIdleTimeout; }
    public int httpMaxSessions() { return httpMaxSessions; }
    public int httpMaxSessionsPerIp() { return httpMaxSessionsPerIp; }
    public int httpMaxConnectionsPerIp() { return httpMaxConnectionsPerIp; }
    /** Requests per second per remote IP; 0 = no limit. */
    public double httpRateLimitPerIp() { return httpRateLimitPerIp; }
    /** Bucket size of the rate limit; 0 = the rate. */
    public int httpRateLimitBurst() { return httpRateLimitBurst; }
    /** Origins allowed by CORS; {@code *} = any; empty = CORS off. */
    public java.util.List<String> httpCorsAllowedOrigins() { return httpCorsAllowedOrigins; }
    public Duration httpSsePingInterval() { return httpSsePingInterval; }
    public int httpMaxBodyBytes() { return httpMaxBodyBytes; }
    /** Events a session keeps for its SSE and long-poll clients until they acknowledge them. */
    public int replayBufferMessages() { return replayBufferMessages; }
    /** How long a native session with no connection waits for a resume before it ends; ZERO = ends with its connection. */
    public Duration sessionGrace() { return sessionGrace; }
    public int maxConnectionsPerSession() { return maxConnectionsPerSession; }
    /**
     * Where a graceful stop saves native sessions and the next start restores them: the
     * embedder's store, else a file store under {@link #dataDir()}, else nowhere (null).
     */
    public dev.switchboard.core.session.store.SessionStore sessionStore() { return sessionStore; }
    /** The node's time (leases, grace, idle timeouts, heartbeats, deadlines); null = real time. */
    public dev.switchboard.core.time.NodeClock clock() { return clock; }
    /** Where the node's locks, messages, services and peers live (in memory unless a cluster's engines are given). */
    public dev.switchboard.core.Engines engines() { return engines; }
    /** The cluster this node joins (--cluster-nats, --cluster-etcd), or null: one node, in memory. */
    public dev.switchboard.cluster.ClusterSettings cluster() { return cluster; }
    /** The deadlines, lease and bounds of the cluster engines (--cluster-call-timeout, --cluster-max-*); used only in a cluster. */
    public dev.switchboard.cluster.ClusterSettings.Engines clusterEngines() { return clusterEngines; }
    /** Where native session ids and resume keys come from (embedders may plug in their own). */
    public dev.switchboard.core.session.store.SessionKeys sessionKeys() { return sessionKeys; }
    /** A Unix domain socket to listen on as well (every protocol, as on the TCP port), or null. */
    public Path unixSocket() { return unixSocket; }
    /** About how many bytes of events a native session keeps for a resume. */
    public long replayBufferBytes() { return replayBufferBytes; }
    /** Native (TCP and WebSocket) sessions at once, detached ones included; 0 = unlimited (only if asked for). */
    public int maxSessions() { return maxSessions; }
    public int maxSessionsPerIp() { return maxSessionsPerIp; }
    /** How long an HTTP request may take to arrive whole after its first byte. */
    public Duration httpRequestTimeout() { return httpRequestTimeout; }
    /**
     * Browser origins allowed to open a WebSocket ({@code *} = any). A request without an
     * {@code Origin} (not a browser) and a same-origin request are always allowed.
     */
    public java.util.List<String> wsAllowedOrigins() { return wsAllowedOrigins; }
    /**
     * Bytes an HTTP or WebSocket connection may have written but not yet sent to its client; a
     * client further behind (one that does not read, say an idle event stream) is disconnected.
     */
    public long httpMaxPendingBytes() { return httpMaxPendingBytes; }
    /** The event loops' and channels' I/O transport (--io-transport; unset: epoll where it loads, else NIO). */
    public dev.switchboard.server.transport.IoTransport ioTransport() { return ioTransport; }

    /** Event loop threads for connections (--io-threads; 0: one per CPU core the JVM may use). */
    public int ioThreads() { return ioThreads > 0 ? ioThreads : Runtime.getRuntime().availableProcessors(); }
    /**
     * Host names (besides loopback ones) that requests arriving on a loopback address may name
     * in {@code Host}, against DNS rebinding; {@code *} = any.
     */
    public java.util.List<String> httpAllowedHosts() { return httpAllowedHosts; }
    /** dflockd requests one connection may send ahead while an earlier one is answered; one more closes it. */
    public int dflockdMaxPipelined() { return dflockdMaxPipelined; }
    /** HTTP requests one keep-alive connection may send ahead of their turn; one more closes it. */
    public int httpMaxPipelined() { return httpMaxPipelined; }
    /** Request/reply calls in flight on the node at once; one more is answered too_many_requests. */
    public int rpcMaxInFlight() { return rpcMaxInFlight; }
    /** A call's deadline when it names none. */
    public long rpcDefaultTimeoutMs() { return rpcDefaultTimeoutMs; }
    /** The longest deadline a call gets (a longer timeout_ms is cut to it). */
    public long rpcMaxTimeoutMs() { return rpcMaxTimeoutMs; }
    public int rpcMaxFanout() { return rpcMaxFanout; }
    public int rpcStreamWindow() { return rpcStreamWindow; }
    public int presenceMaxWatchesPerSession() { return presenceMaxWatchesPerSession; }
    public int topicPresenceMaxWatchesPerSession() { return topicPresenceMaxWatchesPerSession; }
    public int presenceMaxIdsPerWatch() { return presenceMaxIdsPerWatch; }
    public int presenceMaxQueuedPerWatch() { return presenceMaxQueuedPerWatch; }
    /** The openzro/NetBird relay protocol on {@code /relay} (off without an auth secret). */
    public dev.switchboard.server.transport.relay.RelaySettings relay() { return relay; }

    public int relayMaxMessageBytes() { return relayMaxMessageBytes; }
    public long relayMaxMessagesPerSecond() { return relayMaxMessagesPerSecond; }
    public long relayMaxBytesPerSecond() { return relayMaxBytesPerSecond; }
    public int relayMaxUnacknowledged() { return relayMaxUnacknowledged; }

    /** The bounds of direct messages ({@code relay.send}, the compact relay frames). */
    public dev.switchboard.core.relay.RelaySettings relaySettings() {
        return new dev.switchboard.core.relay.RelaySettings(relayMaxMessageBytes, relayMaxMessagesPerSecond, relayMaxBytesPerSecond,
                relayMaxUnacknowledged);
    }

    /** The bounds of presence watches ({@code presence.subscribe}). */
    public dev.switchboard.core.relay.PresenceSettings presenceSettings() {
        return new dev.switchboard.core.relay.PresenceSettings(presenceMaxWatchesPerSession, presenceMaxIdsPerWatch,
                presenceMaxQueuedPerWatch, dev.switchboard.core.relay.PresenceSettings.IDS_PER_EVENT);
    }
    /** The embedding program's request and signal handlers ({@link Builder#onRequest}, {@link Builder#onSignal}). */
    public dev.switchboard.core.rpc.InProcessHandlers rpcHandlers() { return rpcHandlers; }
    /** {@code --rpc-webhook}: name patterns served by HTTP webhooks, consulted after the backends. */
    public java.util.List<dev.switchboard.server.webhook.WebhookRule> rpcWebhooks() { return rpcWebhooks; }
    /** {@code --rpc-hook-url-allow}: URL prefixes a response hook may use (an HTTP hook always; an acomm Unix socket hook from a remote client); empty = none. */
    public java.util.List<String> rpcHookUrlAllow() { return rpcHookUrlAllow; }
    /** {@code --webhook-max-in-flight}: outbound webhook and hook POSTs under way at once. */
    public int webhookMaxInFlight() { return webhookMaxInFlight; }
    public long webhookConnectTimeoutMs() { return webhookConnectTimeoutMs; }
    public int webhookMaxResponseBytes() { return webhookMaxResponseBytes; }

    /** acomm requests one connection may have whose outcome has not come; one more is refused in its acknowledgement. */
    public int acommMaxInFlight() { return acommMaxInFlight; }
    /** acomm Responses owed to response hooks node-wide; a request with a hook past it is refused in its acknowledgement. */
    public int acommMaxHookDeliveries() { return acommMaxHookDeliveries; }
    /** Entries of each list of the admin snapshot (sessions, locks, topics…); the rest is cut. */
    public int adminSnapshotMaxItems() { return adminSnapshotMaxItems; }
    /** The deadline of one delivery to an acomm response hook, or of one Request to an acomm backend. */
    public long acommHookTimeoutMs() { return acommHookTimeoutMs; }
    /** Name pattern → the Unix socket of the backend written for acomm that serves it, in the order given. */
    public java.util.Map<String, String> acommBackends() { return acommBackends; }

    /** The acomm settings of the node. */
    public dev.switchboard.server.transport.acomm.Acomm.Settings acommSettings() {
        return new dev.switchboard.server.transport.acomm.Acomm.Settings(acommMaxInFlight, acommMaxHookDeliveries,
                Duration.ofMillis(acommHookTimeoutMs), rpcHookUrlAllow, acommBackends,
                unixSocket == null ? null : unixSocket.toAbsolutePath().toString(), maxFrameBytes);
    }

    /** The request/reply settings of the core. */
    public dev.switchboard.core.rpc.RpcSettings rpcSettings() {
        return new dev.switchboard.core.rpc.RpcSettings(rpcMaxInFlight, rpcDefaultTimeoutMs, rpcMaxTimeoutMs,
                maxSubscriptions, rpcHandlers, rpcMaxFanout, rpcStreamWindow);
    }

    /** The embedding program's hooks and their executor (see {@link dev.switchboard.server.embed.EmbeddingHooks}). */
    public dev.switchboard.server.embed.EmbeddingHooks embeddingHooks() { return embeddingHooks; }
    /** Which topics keep a history ({@code --topic-history PATTERN=SIZE[:AGE_MS]}), first match wins. */
    public java.util.List<dev.switchboard.core.pubsub.HistoryRule> topicHistory() { return topicHistory; }
    /** Bytes of topic history kept over every topic; past it the node's oldest message goes. 0 = no cap. */
    public long topicHistoryMaxBytes() { return topicHistoryMaxBytes; }
    /** Topics keeping a history at once; past it the least recently used one is forgotten. 0 = no cap. */
    public int topicHistoryMaxTopics() { return topicHistoryMaxTopics; }
    /** What happens to a connection whose event queue is full. */
    public dev.switchboard.server.transport.SlowConsumerPolicy slowConsumerPolicy() { return slowConsumerPolicy; }
    /** Tokens mapped to identities, and what anonymous clients may do ({@code --acl FILE}). */
    public dev.switchboard.server.identity.Acl acl() { return acl; }

    /** Signed tokens and JWTs that carry their identity ({@code --token-secret}, {@code --jwks}, {@code --token-max-ttl}). */
    public dev.switchboard.server.identity.SignedTokens signedTokens() { return signedTokens; }
    /** How long a session outlives the expiry of its token, waiting for an {@code auth.refresh} ({@code --token-expiry-grace}). */
    public Duration tokenExpiryGrace() { return tokenExpiryGrace; }

    public Builder toBuilder() {
        Builder b = new Builder();
        b.embeddingHooks = embeddingHooks;
        b.host = host;
        b.port = port;
        b.defaultLeaseTtl = defaultLeaseTtl;
        b.leaseSweepInterval = leaseSweepInterval;
        b.gcInterval = gcInterval;
        b.gcMaxIdle = gcMaxIdle;
        b.maxLocks = maxLocks;
        b.maxWaiters = maxWaiters;
        b.lockMailboxSize = lockMailboxSize;
        b.sessionMailboxSize = sessionMailboxSize;
        b.maxConnections = maxConnections;
        b.maxConnectionsPerIp = maxConnectionsPerIp;
        b.maxSubscriptions = maxSubscriptions;
        b.readTimeout = readTimeout;
        b.writeTimeout = writeTimeout;
        b.shutdownTimeout = shutdownTimeout;
        b.detectTimeout = detectTimeout;
        b.handshakeTimeout = handshakeTimeout;
        b.heartbeatInterval = heartbeatInterval;
        b.autoReleaseOnDisconnect = autoReleaseOnDisconnect;
        b.authToken = authToken;
        b.adminToken = adminToken;
        b.tlsCert = tlsCert;
        b.tlsKey = tlsKey;
        b.fenceStateFile = fenceStateFile;
        b.dataDir = dataDir;
        b.maxFrameBytes = maxFrameBytes;
        b.signalBufferSize = signalBufferSize;
        b.maxRequestsInFlight = maxRequestsInFlight;
        b.replayTotalBytes = replayTotalBytes;
        b.httpHost = httpHost;
        b.httpPort = httpPort;
        b.httpSessionIdleTimeout = httpSessionIdleTimeout;
        b.httpMaxSessions = httpMaxSessions;
        b.httpMaxSessionsPerIp = httpMaxSessionsPerIp;
        b.httpMaxConnectionsPerIp = httpMaxConnectionsPerIp;
        b.httpRateLimitPerIp = httpRateLimitPerIp;
        b.httpRateLimitBurst = httpRateLimitBurst;
        b.httpCorsAllowedOrigins = httpCorsAllowedOrigins;
        b.httpSsePingInterval = httpSsePingInterval;
        b.httpMaxBodyBytes = httpMaxBodyBytes;
        b.replayBufferMessages = replayBufferMessages;
        b.sessionStore = sessionStore;
        b.clock = clock;
        b.engines = engines;
        b.cluster = cluster;
        b.clusterEngines = clusterEngines;
        b.sessionKeys = sessionKeys;
        b.unixSocket = unixSocket;
        b.replayBufferBytes = replayBufferBytes;
        b.maxSessionsPerIp = maxSessionsPerIp;
        b.maxSessions = maxSessions;
        b.maxConnectionsPerSession = maxConnectionsPerSession;
        b.sessionGrace = sessionGrace;
        b.httpRequestTimeout = httpRequestTimeout;
        b.wsAllowedOrigins = wsAllowedOrigins;
        b.httpMaxPendingBytes = httpMaxPendingBytes;
        b.ioTransport = ioTransport;
        b.ioThreads = ioThreads;
        b.httpAllowedHosts = httpAllowedHosts;
        b.dflockdMaxPipelined = dflockdMaxPipelined;
        b.httpMaxPipelined = httpMaxPipelined;
        b.rpcMaxInFlight = rpcMaxInFlight;
        b.rpcDefaultTimeoutMs = rpcDefaultTimeoutMs;
        b.rpcMaxTimeoutMs = rpcMaxTimeoutMs;
        b.rpcMaxFanout = rpcMaxFanout;
        b.rpcStreamWindow = rpcStreamWindow;
        b.presenceMaxWatchesPerSession = presenceMaxWatchesPerSession;
        b.topicPresenceMaxWatchesPerSession = topicPresenceMaxWatchesPerSession;
        b.presenceMaxIdsPerWatch = presenceMaxIdsPerWatch;
        b.presenceMaxQueuedPerWatch = presenceMaxQueuedPerWatch;
        b.relay = relay;
        b.relayMaxMessageBytes = relayMaxMessageBytes;
        b.relayMaxMessagesPerSecond = relayMaxMessagesPerSecond;
        b.relayMaxBytesPerSecond = relayMaxBytesPerSecond;
        b.relayMaxUnacknowledged = relayMaxUnacknowledged;
        b.rpcHandlers = rpcHandlers;
        b.rpcWebhooks = rpcWebhooks;
        b.rpcHookUrlAllow = rpcHookUrlAllow;
        b.webhookMaxInFlight = webhookMaxInFlight;
        b.webhookConnectTimeoutMs = webhookConnectTimeoutMs;
        b.webhookMaxResponseBytes = webhookMaxResponseBytes;
        b.acommMaxInFlight = acommMaxInFlight;
        b.acommMaxHookDeliveries = acommMaxHookDeliveries;
        b.adminSnapshotMaxItems = adminSnapshotMaxItems;
        b.acommHookTimeoutMs = acommHookTimeoutMs;
        b.acommBackends = new java.util.LinkedHashMap<>(acommBackends);
        b.topicHistory = topicHistory;
        b.topicHistoryMaxBytes = topicHistoryMaxBytes;
        b.topicHistoryMaxTopics = topicHistoryMaxTopics;
        b.slowConsumerPolicy = slowConsumerPolicy;
        b.acl = acl;
        b.signedTokens = signedTokens;
        b.tokenExpiryGrace = tokenExpiryGrace;
        return b;
    }

    /** Collects settings; {@link #build()} validates them and throws {@link IllegalArgumentException} with a one-line reason. */
    public static final class Builder {
        private String host = "127.0.0.1";
        private int port = 6388;
        private Duration defaultLeaseTtl = Duration.ofSeconds(33);
        private Duration leaseSweepInterval = Duration.ofSeconds(1);
        private Duration gcInterval = Duration.ofSeconds(5);
        private Duration gcMaxIdle = Duration.ofSeconds(60);
        private int maxLocks = 1024;
        private int maxWaiters = 1024;
        private int lockMailboxSize = dev.switchboard.core.lock.LockTableConfig.DEFAULT_MAILBOX_SIZE;
        private int sessionMailboxSize = dev.switchboard.core.session.SessionRegistry.Lifecycle.DEFAULT_SESSION_MAILBOX_SIZE;
        private int maxConnections = 65536;
        private int maxConnectionsPerIp = 0;
        private int maxSubscriptions = 1024;
        private Duration readTimeout = Duration.ZERO;
        private Duration writeTimeout = Duration.ofSeconds(5);
        private Duration shutdownTimeout = Duration.ofSeconds(30);
        private Duration detectTimeout = Duration.ofSeconds(10);
        private Duration handshakeTimeout = Duration.ofSeconds(10);
        private Duration heartbeatInterval = Duration.ofSeconds(15);
        private boolean autoReleaseOnDisconnect = true;
        private String authToken;
        private String adminToken;
        private Path tlsCert;
        private Path tlsKey;
        private Path fenceStateFile;
        private Path dataDir;
        private int maxFrameBytes = 1 << 20;
        private int signalBufferSize = 64;
        private int maxRequestsInFlight = 1024;
        private long replayTotalBytes = 0;
        private String httpHost = null;
        private int httpPort = 0;
        private Duration httpSessionIdleTimeout = Duration.ofSeconds(20);
        private int httpMaxSessions = 65536;
        private int httpMaxSessionsPerIp = 0;
        private int httpMaxConnectionsPerIp = 0;
        private double httpRateLimitPerIp = 0;
        private int httpRateLimitBurst = 0;
        private java.util.List<String> httpCorsAllowedOrigins = java.util.List.of();
        private Duration httpSsePingInterval = Duration.ofSeconds(15);
        private int httpMaxBodyBytes = 1 << 20;
        private int replayBufferMessages = 1024;
        private dev.switchboard.core.session.store.SessionStore sessionStore = null;
        private dev.switchboard.core.time.NodeClock clock = null;
        private dev.switchboard.core.Engines engines = dev.switchboard.core.Engines.IN_MEMORY;
        private dev.switchboard.cluster.ClusterSettings cluster;
        private dev.switchboard.cluster.ClusterSettings.Engines clusterEngines = dev.switchboard.cluster.ClusterSettings.Engines.defaults();
        private int rpcMaxInFlight = dev.switchboard.core.rpc.RpcSettings.DEFAULT_MAX_IN_FLIGHT;
        private long rpcDefaultTimeoutMs = dev.switchboard.core.rpc.RpcSettings.DEFAULT_TIMEOUT_MS;
        private long rpcMaxTimeoutMs = dev.switchboard.core.rpc.RpcSettings.DEFAULT_MAX_TIMEOUT_MS;
        private int rpcMaxFanout = dev.switchboard.core.rpc.RpcSettings.DEFAULT_MAX_FANOUT;
        private int rpcStreamWindow = dev.switchboard.core.rpc.RpcSettings.DEFAULT_STREAM_WINDOW;
        private int presenceMaxWatchesPerSession = dev.switchboard.core.relay.PresenceSettings.DEFAULT_MAX_WATCHES_PER_SESSION;
        private int topicPresenceMaxWatchesPerSession = dev.switchboard.core.pubsub.TopicWatches.DEFAULT_MAX_WATCHES_PER_SESSION;
        private int presenceMaxIdsPerWatch = dev.switchboard.core.relay.PresenceSettings.DEFAULT_MAX_IDS_PER_WATCH;
        private int presenceMaxQueuedPerWatch = dev.switchboard.core.relay.PresenceSettings.DEFAULT_MAX_QUEUED_PER_WATCH;
        private dev.switchboard.server.transport.relay.RelaySettings relay = dev.switchboard.server.transport.relay.RelaySettings.off();
        private int relayMaxMessageBytes = dev.switchboard.core.relay.RelaySettings.DEFAULT_MAX_MESSAGE_BYTES;
        private long relayMaxMessagesPerSecond = dev.switchboard.core.relay.RelaySettings.DEFAULT_MAX_MESSAGES_PER_SECOND;
        private long relayMaxBytesPerSecond = dev.switchboard.core.relay.RelaySettings.DEFAULT_MAX_BYTES_PER_SECOND;
        private int relayMaxUnacknowledged = dev.switchboard.core.relay.RelaySettings.DEFAULT_MAX_UNACKNOWLEDGED;
        private dev.switchboard.core.rpc.InProcessHandlers rpcHandlers = dev.switchboard.core.rpc.InProcessHandlers.NONE;
        private java.util.List<dev.switchboard.server.webhook.WebhookRule> rpcWebhooks = java.util.List.of();
        private java.util.List<String> rpcHookUrlAllow = java.util.List.of();
        private int webhookMaxInFlight = 1024;
        private long webhookConnectTimeoutMs = 5000;
        private int webhookMaxResponseBytes = 1 << 20;
        private int acommMaxInFlight = 1024;
        private int acommMaxHookDeliveries = 4096;
        private int adminSnapshotMaxItems = 1000;
        private long acommHookTimeoutMs = 5000;
        private java.util.Map<String, String> acommBackends = new java.util.LinkedHashMap<>();
        private dev.switchboard.core.session.store.SessionKeys sessionKeys = dev.switchboard.core.session.store.SecureSessionKeys.INSTANCE;
        private Path unixSocket = null;
        private long replayBufferBytes = 4L << 20;
        private int maxSessionsPerIp = 0;
        private int maxSessions = 65536;
        private int maxConnectionsPerSession = 8;
        private Duration sessionGrace = Duration.ofSeconds(30);
        private Duration httpRequestTimeout = Duration.ofSeconds(10);
        private java.util.List<String> wsAllowedOrigins = java.util.List.of();
        private long httpMaxPendingBytes = 8L << 20;
        private dev.switchboard.server.transport.IoTransport ioTransport = null;
        private int ioThreads = 0;
        private java.util.List<String> httpAllowedHosts = java.util.List.of();
        private int dflockdMaxPipelined = 256;
        private int httpMaxPipelined = 32;
        private dev.switchboard.server.embed.EmbeddingHooks embeddingHooks = dev.switchboard.server.embed.EmbeddingHooks.NONE;
        private java.util.List<dev.switchboard.core.pubsub.HistoryRule> topicHistory = java.util.List.of();
        private long topicHistoryMaxBytes = 64L << 20;
        private int topicHistoryMaxTopics = 10_000;
        private dev.switchboard.server.transport.SlowConsumerPolicy slowConsumerPolicy =
                dev.switchboard.server.transport.SlowConsumerPolicy.DISCONNECT;
        private dev.switchboard.server.identity.Acl acl = dev.switchboard.server.identity.Acl.DEFAULT;
        private dev.switchboard.server.identity.SignedTokens signedTokens = dev.switchboard.server.identity.SignedTokens.OFF;
        private Duration tokenExpiryGrace = Duration.ZERO;

        private Builder() {
        }

        // ---- the embedding API's hooks (see docs/embedding.md) ----
        /** Consulted before a native client connection is attached to its session; may refuse it. */
        public Builder onConnect(dev.switchboard.server.embed.ConnectHook hook) { embeddingHooks = embeddingHooks.withOnConnect(hook); return this; }
        /** Told when an accepted native client connection leaves its session, with the reason. */
        public Builder onDisconnect(dev.switchboard.server.embed.DisconnectHook hook) { embeddingHooks = embeddingHooks.withOnDisconnect(hook); return this; }
        /** Told when a resumable session is opened. */
        public Builder onSessionCreated(dev.switchboard.server.embed.SessionCreatedHook hook) { embeddingHooks = embeddingHooks.withOnSessionCreated(hook); return this; }
        /** Told when a resumable session ends, with why. */
        public Builder onSessionClosed(dev.switchboard.server.embed.SessionClosedHook hook) { embeddingHooks = embeddingHooks.withOnSessionClosed(hook); return this; }
        /** Consulted on a resume of a session the node does not hold in memory (after a crash, say). */
        public Builder sessionLookup(dev.switchboard.core.session.store.SessionLookup lookup) { embeddingHooks = embeddingHooks.withSessionLookup(lookup); return this; }
        /** Threads that run hooks, lookups and executeInSession tasks (default 4). */
        public Builder hookThreads(int n) { embeddingHooks = embeddingHooks.withThreads(n); return this; }
        /** Hook calls waiting or running at once over the node (default 4096); one more is refused. */
        public Builder hookQueueSize(int n) { embeddingHooks = embeddingHooks.withQueueSize(n); return this; }

        public Builder host(String host) { this.host = host; return this; }
        public Builder port(int port) { this.port = port; return this; }
        public Builder defaultLeaseTtl(Duration d) { this.defaultLeaseTtl = d; return this; }
        public Builder leaseSweepInterval(Duration d) { this.leaseSweepInterval = d; return this; }
        public Builder gcInterval(Duration d) { this.gcInterval = d; return this; }
        public Builder gcMaxIdle(Duration d) { this.gcMaxIdle = d; return this; }
        public Builder maxLocks(int n) { this.maxLocks = n; return this; }
        public Builder maxWaiters(int n) { this.maxWaiters = n; return this; }
        public Builder lockMailboxSize(int n) { this.lockMailboxSize = n; return this; }
        public Builder sessionMailboxSize(int n) { this.sessionMailboxSize = n; return this; }
        public Builder maxConnections(int n) { this.maxConnections = n; return this; }
        public Builder maxConnectionsPerIp(int n) { this.maxConnectionsPerIp = n; return this; }
        public Builder maxSubscriptions(int n) { this.maxSubscriptions = n; return this; }
        public Builder readTimeout(Duration d) { this.readTimeout = d; return this; }
        public Builder writeTimeout(Duration d) { this.writeTimeout = d; return this; }
        public Builder shutdownTimeout(Duration d) { this.shutdownTimeout = d; return this; }
        public Builder detectTimeout(Duration d) { this.detectTimeout = d; return this; }
        public Builder handshakeTimeout(Duration d) { this.handshakeTimeout = d; return this; }
        public Builder heartbeatInterval(Duration d) { this.heartbeatInterval = d; return this; }
        public Builder autoReleaseOnDisconnect(boolean on) { this.autoReleaseOnDisconnect = on; return this; }
        public Builder authToken(String token) { this.authToken = token; return this; }
        /** Enables the admin HTTP routes under {@code /api/v1/admin/}; null disables them. */
        public Builder adminToken(String token) { this.adminToken = token; return this; }
        public Builder tls(Path cert, Path key) { this.tlsCert = cert; this.tlsKey = key; return this; }
        public Builder fenceStateFile(Path file) { this.fenceStateFile = file; return this; }
        public Builder dataDir(Path dir) { this.dataDir = dir; return this; }
        public Builder maxFrameBytes(int n) { this.maxFrameBytes = n; return this; }
        public Builder signalBufferSize(int n) { this.signalBufferSize = n; return this; }
        public Builder maxRequestsInFlight(int n) { this.maxRequestsInFlight = n; return this; }
        public Builder replayTotalBytes(long n) { this.replayTotalBytes = n; return this; }

        public Builder httpHost(String h) { this.httpHost = h; return this; }
        public Builder httpPort(int p) { this.httpPort = p; return this; }
        public Builder httpSessionIdleTimeout(Duration d) { this.httpSessionIdleTimeout = d; return this; }
        public Builder httpMaxSessions(int n) { this.httpMaxSessions = n; return this; }
        public Builder httpMaxSessionsPerIp(int n) { this.httpMaxSessionsPerIp = n; return this; }
        public Builder httpMaxConnectionsPerIp(int n) { this.httpMaxConnectionsPerIp = n; return this; }
        public Builder httpRateLimitPerIp(double perSecond) { this.httpRateLimitPerIp = perSecond; return this; }
        public Builder httpRateLimitBurst(int n) { this.httpRateLimitBurst = n; return this; }
        public Builder httpCorsAllowedOrigins(java.util.List<String> origins) { this.httpCorsAllowedOrigins = java.util.List.copyOf(origins); return this; }
        public Builder httpSsePingInterval(Duration d) { this.httpSsePingInterval = d; return this; }
        public Builder httpMaxBodyBytes(int n) { this.httpMaxBodyBytes = n; return this; }
        public Builder replayBufferMessages(int n) { this.replayBufferMessages = n; return this; }
        public Builder sessionGrace(Duration d) { this.sessionGrace = d; return this; }
        public Builder maxConnectionsPerSession(int n) { this.maxConnectionsPerSession = n; return this; }
        /** Plugs in the embedder's session store (the node uses it but does not close it). */
        public Builder sessionStore(dev.switchboard.core.session.store.SessionStore store) { this.sessionStore = store; return this; }
        /**
         * Runs the node on {@code clock}: every lease, grace period, idle timeout, heartbeat and
         * protocol deadline reads it and schedules on its timer. A
         * {@link dev.switchboard.core.time.VirtualClock} lets tests move time by hand; null
         * (the default) is real time.
         */
        public Builder clock(dev.switchboard.core.time.NodeClock clock) { this.clock = clock; return this; }
        /** Keeps the node's state in {@code engines} (a cluster's); the default is {@link dev.switchboard.core.Engines#IN_MEMORY}. */
        public Builder engines(dev.switchboard.core.Engines engines) { this.engines = Objects.requireNonNull(engines); return this; }
        /** Joins the cluster these settings describe: the node makes its cluster engines from them (null: no cluster). */
        public Builder cluster(dev.switchboard.cluster.ClusterSettings cluster) { this.cluster = cluster; return this; }
        /** The deadlines, lease and bounds of the cluster engines (the defaults unless given). */
        public Builder clusterEngines(dev.switchboard.cluster.ClusterSettings.Engines e) { this.clusterEngines = java.util.Objects.requireNonNull(e); return this; }
        /** Plugs in the generator of native session ids and resume keys (ids: 1..128 of [A-Za-z0-9_-]). */
        public Builder sessionKeys(dev.switchboard.core.session.store.SessionKeys keys) { this.sessionKeys = Objects.requireNonNull(keys); return this; }
        public Builder unixSocket(Path path) { this.unixSocket = path; return this; }
        public Builder replayBufferBytes(long n) { this.replayBufferBytes = n; return this; }
        public Builder maxSessions(int n) { this.maxSessions = n; return this; }
        public Builder maxSessionsPerIp(int n) { this.maxSessionsPerIp = n; return this; }
        public Builder httpRequestTimeout(Duration d) { this.httpRequestTimeout = d; return this; }
        public Builder wsAllowedOrigins(java.util.List<String> origins) { this.wsAllowedOrigins = java.util.List.copyOf(origins); return this; }
        public Builder httpMaxPendingBytes(long n) { this.httpMaxPendingBytes = n; return this; }
        public Builder ioTransport(dev.switchboard.server.transport.IoTransport t) { this.ioTransport = t; return this; }
        public Builder ioThreads(int n) { this.ioThreads = n; return this; }
        public Builder httpAllowedHosts(java.util.List<String> hosts) { this.httpAllowedHosts = java.util.List.copyOf(hosts); return this; }
        public Builder dflockdMaxPipelined(int n) { this.dflockdMaxPipelined = n; return this; }
        public Builder httpMaxPipelined(int n) { this.httpMaxPipelined = n; return this; }
        public Builder rpcMaxInFlight(int n) { this.rpcMaxInFlight = n; return this; }
        public Builder rpcDefaultTimeoutMs(long ms) { this.rpcDefaultTimeoutMs = ms; return this; }
        public Builder rpcMaxTimeoutMs(long ms) { this.rpcMaxTimeoutMs = ms; return this; }
        public Builder rpcWebhooks(java.util.List<dev.switchboard.server.webhook.WebhookRule> rules) { this.rpcWebhooks = java.util.List.copyOf(rules); return this; }
        /** Adds a webhook for names matching {@code pattern} ({@code --rpc-webhook PATTERN=URL}). */
        public Builder rpcWebhook(String pattern, String url) {
            java.util.List<dev.switchboard.server.webhook.WebhookRule> all = new java.util.ArrayList<>(rpcWebhooks);
            all.add(new dev.switchboard.server.webhook.WebhookRule(pattern, java.net.URI.create(url)));
            this.rpcWebhooks = java.util.List.copyOf(all);
            return this;
        }
        public Builder rpcHookUrlAllow(java.util.List<String> prefixes) { this.rpcHookUrlAllow = java.util.List.copyOf(prefixes); return this; }
        public Builder webhookMaxInFlight(int n) { this.webhookMaxInFlight = n; return this; }
        public Builder webhookConnectTimeoutMs(long ms) { this.webhookConnectTimeoutMs = ms; return this; }
        public Builder webhookMaxResponseBytes(int n) { this.webhookMaxResponseBytes = n; return this; }
        public Builder acommMaxInFlight(int n) { this.acommMaxInFlight = n; return this; }
        public Builder acommMaxHookDeliveries(int n) { this.acommMaxHookDeliveries = n; return this; }
        public Builder adminSnapshotMaxItems(int n) { this.adminSnapshotMaxItems = n; return this; }
        public Builder acommHookTimeoutMs(long ms) { this.acommHookTimeoutMs = ms; return this; }

        /** Calls for names matching {@code pattern} go to the backend written for acomm at {@code url} ({@code unix:///path}). */
        public Builder acommBackend(String pattern, String url) {
            String problem = dev.switchboard.protocol.Subjects.patternError(pattern);
            require(problem == null, "--acomm-backend " + pattern + ": " + problem);
            require(url.startsWith("unix:///"), "--acomm-backend " + pattern + ": the backend must be unix:///absolute/path, got " + url);
            this.acommBackends.put(pattern, url.substring("unix://".length()));
            return this;
        }

        /** {@code PATTERN=unix:///path} each, as {@code --acomm-backend} takes them. */
        public Builder acommBackends(java.util.List<String> specs) {
            for (String spec : specs) {
                int eq = spec.indexOf('=');
                require(eq > 0, "--acomm-backend takes PATTERN=unix:///path, got " + spec);
                acommBackend(spec.substring(0, eq).trim(), spec.substring(eq + 1).trim());
            }
            return this;
        }
        public Builder rpcMaxFanout(int n) { this.rpcMaxFanout = n; return this; }
        public Builder rpcStreamWindow(int n) { this.rpcStreamWindow = n; return this; }
        public Builder presenceMaxWatchesPerSession(int n) { this.presenceMaxWatchesPerSession = n; return this; }
        public Builder topicPresenceMaxWatchesPerSession(int n) { this.topicPresenceMaxWatchesPerSession = n; return this; }
        public Builder presenceMaxIdsPerWatch(int n) { this.presenceMaxIdsPerWatch = n; return this; }
        public Builder presenceMaxQueuedPerWatch(int n) { this.presenceMaxQueuedPerWatch = n; return this; }
        public Builder relay(dev.switchboard.server.transport.relay.RelaySettings settings) { this.relay = settings; return this; }
        public Builder relayMaxMessageBytes(int n) { this.relayMaxMessageBytes = n; return this; }
        public Builder relayMaxMessagesPerSecond(long n) { this.relayMaxMessagesPerSecond = n; return this; }
        public Builder relayMaxBytesPerSecond(long n) { this.relayMaxBytesPerSecond = n; return this; }
        public Builder relayMaxUnacknowledged(int n) { this.relayMaxUnacknowledged = n; return this; }

        /**
         * Handles requests ({@code rpc.call}) to names matching {@code pattern} ({@code *} one
         * token, {@code >} the rest) in this program, before any backend service serving them.
         * Handlers are tried in the order they were added; the first whose pattern matches takes
         * the request. See {@link dev.switchboard.core.rpc.RpcHandler} for threading and failures.
         *
         * <pre>{@code
         * Switchboard.builder().onRequest("billing.invoice.create",
         *         ctx -> CompletableFuture.completedFuture(RpcResult.ok(Payload.ofUtf8("ok"))))
         *     .start();
         * }</pre>
         *
         * @throws IllegalArgumentException when the pattern is not a valid subject pattern
         */
        public Builder onRequest(String pattern, dev.switchboard.core.rpc.RpcHandler handler) {
            this.rpcHandlers = rpcHandlers.with(pattern, handler);
            return this;
        }

        /** Handles notifies ({@code rpc.notify}) to names matching {@code pattern} in this program, before any backend. */
        public Builder onSignal(String pattern, dev.switchboard.core.rpc.SignalHandler handler) {
            this.rpcHandlers = rpcHandlers.withSignal(pattern, handler);
            return this;
        }
        public Builder topicHistory(java.util.List<dev.switchboard.core.pubsub.HistoryRule> rules) { this.topicHistory = java.util.List.copyOf(rules); return this; }
        /** Adds one rule, {@code PATTERN=SIZE[:AGE_MS]}. */
        public Builder topicHistory(String spec) {
            java.util.List<dev.switchboard.core.pubsub.HistoryRule> more = new java.util.ArrayList<>(topicHistory);
            more.add(dev.switchboard.core.pubsub.HistoryRule.parse(spec));
            this.topicHistory = java.util.List.copyOf(more);
            return this;
        }
        public Builder topicHistoryMaxBytes(long n) { this.topicHistoryMaxBytes = n; return this; }
        public Builder topicHistoryMaxTopics(int n) { this.topicHistoryMaxTopics = n; return this; }
        public Builder slowConsumerPolicy(dev.switchboard.server.transport.SlowConsumerPolicy p) { this.slowConsumerPolicy = Objects.requireNonNull(p); return this; }
        public Builder acl(dev.switchboard.server.identity.Acl acl) { this.acl = Objects.requireNonNull(acl); return this; }
        public Builder signedTokens(dev.switchboard.server.identity.SignedTokens tokens) { this.signedTokens = Objects.requireNonNull(tokens); return this; }
        public Builder tokenExpiryGrace(Duration d) { this.tokenExpiryGrace = Objects.requireNonNull(d); return this; }

        /** Builds and starts a node with these settings. */
        public Switchboard start() {
            return Switchboard.start(build());
        }

        public SwitchboardConfig build() {
            Objects.requireNonNull(host, "host");
            require(!host.isBlank(), "--host must not be empty");
            require(port >= 0 && port <= 65535, "--port must be between 0 and 65535, got " + port);
            positiveSeconds(defaultLeaseTtl, "--default-lease-ttl");
            require(defaultLeaseTtl.toSeconds() <= MAX_SECONDS, "--default-lease-ttl is too large");
            positive(leaseSweepInterval, "--lease-sweep-interval");
            positive(gcInterval, "--gc-interval");
            notNegative(gcMaxIdle, "--gc-max-idle");
            notNegative(maxLocks, "--max-locks");
            notNegative(maxWaiters, "--max-waiters");
            require(lockMailboxSize >= 1, "--lock-mailbox-size must be at least 1");
            require(sessionMailboxSize >= 1, "--session-mailbox-size must be at least 1");
            notNegative(maxConnections, "--max-connections");
            notNegative(maxConnectionsPerIp, "--max-connections-per-ip");
            notNegative(maxSubscriptions, "--max-subscriptions");
            notNegative(readTimeout, "--read-timeout");
            notNegative(writeTimeout, "--write-timeout");
            notNegative(shutdownTimeout, "--shutdown-timeout");
            positive(detectTimeout, "--detect-timeout");
            positive(handshakeTimeout, "--handshake-timeout");
            notNegative(heartbeatInterval, "--heartbeat-interval");
            require(maxFrameBytes >= 256 && maxFrameBytes <= (64 << 20),
                    "--max-frame-bytes must be between 256 and 67108864, got " + maxFrameBytes);
            require(httpPort >= 0 && httpPort <= 65535, "--http-port must be between 0 and 65535, got " + httpPort);
            require(httpPort == 0 || httpPort != port || port == 0, "--http-port must differ from --port");
            notNegative(httpSessionIdleTimeout, "--http-session-idle-timeout");
            notNegative(httpMaxSessions, "--http-max-sessions");
            notNegative(httpMaxSessionsPerIp, "--http-max-sessions-per-ip");
            notNegative(httpMaxConnectionsPerIp, "--http-max-connections-per-ip");
            require(httpRateLimitPerIp >= 0 && !Double.isNaN(httpRateLimitPerIp), "--http-rate-limit-per-ip must not be negative");
            notNegative(httpRateLimitBurst, "--http-rate-limit-burst");
            positive(httpSsePingInterval, "--http-sse-ping-interval");
            require(httpMaxBodyBytes >= 1024, "--http-max-body-bytes must be at least 1024");
            positive(httpRequestTimeout, "--http-request-timeout");
            require(httpMaxPendingBytes >= 65536, "--http-max-pending-bytes must be at least 65536, got " + httpMaxPendingBytes);
            notNegative(sessionGrace, "--session-grace");
            notNegative(tokenExpiryGrace, "--token-expiry-grace");
            require(replayBufferBytes >= 1024, "--replay-buffer-bytes must be at least 1024");
            notNegative(maxSessions, "--max-sessions");
            notNegative(maxSessionsPerIp, "--max-sessions-per-ip");
            require(maxConnectionsPerSession >= 1, "--max-connections-per-session must be at least 1");
            require(replayBufferMessages >= 1, "--replay-buffer-messages must be at least 1");
            require(signalBufferSize >= 1, "--signal-buffer-size must be at least 1");
            require(maxRequestsInFlight >= 1, "--max-requests-in-flight must be at least 1");
            require(dflockdMaxPipelined >= 1, "--dflockd-max-pipelined must be at least 1");
            require(httpMaxPipelined >= 1, "--http-max-pipelined must be at least 1");
            require(rpcMaxInFlight >= 1, "--rpc-max-in-flight must be at least 1");
            require(rpcDefaultTimeoutMs >= 1, "--rpc-default-timeout-ms must be at least 1");
            require(rpcMaxTimeoutMs >= rpcDefaultTimeoutMs, "--rpc-max-timeout-ms must be at least --rpc-default-timeout-ms");
            require(webhookMaxInFlight >= 1, "--webhook-max-in-flight must be at least 1");
            require(webhookConnectTimeoutMs >= 1, "--webhook-connect-timeout-ms must be at least 1");
            require(webhookMaxResponseBytes >= 1, "--webhook-max-response-bytes must be at least 1");
            require(acommMaxInFlight >= 1, "--acomm-max-in-flight must be at least 1");
            require(acommMaxHookDeliveries >= 1, "--acomm-max-hook-deliveries must be at least 1");
            require(adminSnapshotMaxItems >= 1, "--admin-snapshot-max-items must be at least 1");
            require(acommHookTimeoutMs >= 1, "--acomm-hook-timeout-ms must be at least 1");
            require(acommBackends.isEmpty() || unixSocket != null,
                    "--acomm-backend needs --unix-socket: acomm backends send their responses there");
            for (String backendSocket : acommBackends.values()) {
                // The node's own socket would make each call a new call of the same name, without end.
                require(unixSocket == null || !java.nio.file.Path.of(backendSocket).equals(unixSocket.toAbsolutePath()),
                        "--acomm-backend must not be the node's own --unix-socket");
            }
            require(rpcMaxFanout >= 1, "--rpc-max-fanout must be at least 1");
            require(rpcStreamWindow >= 1, "--rpc-stream-window must be at least 1");
            require(presenceMaxWatchesPerSession >= 1, "--presence-max-watches-per-session must be at least 1");
            require(topicPresenceMaxWatchesPerSession >= 1, "--topic-presence-max-watches-per-session must be at least 1");
            require(presenceMaxIdsPerWatch >= 1, "--presence-max-ids-per-watch must be at least 1");
            require(presenceMaxQueuedPerWatch >= 1, "--presence-max-queued-per-watch must be at least 1");
            require(relayMaxMessageBytes >= 0, "--relay-max-message-bytes must not be negative");
            require(relayMaxMessagesPerSecond >= 0, "--relay-max-messages-per-second must not be negative");
            require(relayMaxBytesPerSecond >= 0, "--relay-max-bytes-per-second must not be negative");
            require(relayMaxUnacknowledged >= 1, "--relay-max-unacknowledged must be at least 1");
            require(replayTotalBytes >= 0, "--replay-total-bytes must not be negative");
            require(topicHistoryMaxBytes >= 0, "--topic-history-max-bytes must not be negative");
            require(topicHistoryMaxTopics >= 0, "--topic-history-max-topics must not be negative");
            require((tlsCert == null) == (tlsKey == null), "--tls-cert and --tls-key must be set together");
            if (authToken != null) {
                require(!authToken.isEmpty(), "the auth token must not be empty");
                require(authToken.indexOf('\n') < 0 && authToken.indexOf('\r') < 0,
                        "the auth token must not contain a newline");
            }
            if (adminToken != null) {
                require(!adminToken.isEmpty(), "the admin token must not be empty");
                require(adminToken.indexOf('\n') < 0 && adminToken.indexOf('\r') < 0,
                        "the admin token must not contain a newline");
                // Equal tokens would let every client administer the server.
                require(!adminToken.equals(authToken), "the admin token must differ from the auth token");
            }
            // The node makes its engines from the cluster settings: engines of its own would be ignored.
            require(cluster == null || engines == dev.switchboard.core.Engines.IN_MEMORY,
                    "cluster settings and engines of one's own cannot be given together");
            return new SwitchboardConfig(this);
        }

        private static void require(boolean ok, String message) {
            if (!ok) throw new IllegalArgumentException(message);
        }

        private static void positive(Duration d, String name) {
            require(d != null && !d.isNegative() && !d.isZero(), name + " must be greater than 0");
        }

        private static void positiveSeconds(Duration d, String name) {
            require(d != null && d.toMillis() >= 1, name + " must be at least 1 ms");
        }

        private static void notNegative(Duration d, String name) {
            require(d != null && !d.isNegative(), name + " must not be negative");
        }

        private static void notNegative(int n, String name) {
            require(n >= 0, name + " must not be negative, got " + n);
        }
    }
}
