package dev.switchboard.server.limits;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Every limit of a node, declared once. The options in {@code cli/Main}, the environment
 * variables, the defaults of {@code SwitchboardConfig}, the limits table of docs/operations.md and
 * the label values of {@code switchboard_limit_hits_total} are all checked against this table by
 * tests (LimitsRegistryTest hits each one through the real protocols).
 *
 * <p>Defaults: dflockd's where dflockd has one ({@code --max-locks} 1024, the 256-byte line);
 * where dflockd has none (0 = unlimited), a bound no ordinary deployment meets but that keeps one
 * client from exhausting the node: NATS's 64 Ki connections, a thousand waiters per key or
 * subscriptions per session. The per-IP caps default to 0, "no separate per-IP cap": the node-wide
 * cap still bounds them, and a per-IP default would cut off every client behind one proxy or NAT.
 */
public final class Limits {
    private static final String UNLIMITED = "unlimited";
    private static final String TOTAL_ONLY = "no per-IP cap (the node-wide cap still applies)";

    public static final Limit MAX_LOCKS = new Limit("--max-locks", "1024", "keys",
            "lock and semaphore keys, idle ones included until collected",
            "native `max_locks`; dflockd `error_max_locks`; HTTP 503 `max_locks`", UNLIMITED, c -> c.maxLocks());
    public static final Limit MAX_WAITERS = new Limit("--max-waiters", "1024", "waiters per key",
            "requests queued for one lock or semaphore key",
            "native `max_waiters`; dflockd `error_max_waiters`; HTTP 503 `max_waiters`", UNLIMITED, c -> c.maxWaiters());
    public static final Limit LOCK_MAILBOX_SIZE = new Limit("--lock-mailbox-size", "4096", "requests per lock shard",
            "lock requests waiting in one of the 64 lock shards' mailboxes (a burst the shard has not run yet)",
            "native `too_many_requests`; HTTP 429 `too_many_requests`; dflockd `error`", null, c -> c.lockMailboxSize());
    public static final Limit SESSION_MAILBOX_SIZE = new Limit("--session-mailbox-size", "4096", "events per session",
            "event deliveries waiting in one session's mailbox (a burst from publishers on other threads it has not delivered yet)",
            "`slow_consumer` on each of the session's connections, which close; the event is kept for a resume", null,
            c -> c.sessionMailboxSize());
    public static final Limit MAX_SUBSCRIPTIONS = new Limit("--max-subscriptions", "1024", "subscriptions per session",
            "signal subscriptions of one session (one dflockd connection); separately, the patterns one session serves (`rpc.serve`)",
            "native `max_subscriptions`; dflockd `error`", UNLIMITED, c -> c.maxSubscriptions());
    public static final Limit MAX_CONNECTIONS = new Limit("--max-connections", "65536", "connections",
            "open connections, every protocol",
            "the connection is closed at once, nothing written (as dflockd)", UNLIMITED, c -> c.maxConnections());
    public static final Limit MAX_CONNECTIONS_PER_IP = new Limit("--max-connections-per-ip", "0", "connections per IP",
            "open connections from one remote address",
            "the connection is closed at once, nothing written (as dflockd)", TOTAL_ONLY, c -> c.maxConnectionsPerIp());
    public static final Limit HTTP_MAX_CONNECTIONS_PER_IP = new Limit("--http-max-connections-per-ip", "0", "connections per IP",
            "open HTTP connections from one remote address",
            "the connection is closed before its request is read", TOTAL_ONLY, c -> c.httpMaxConnectionsPerIp());
    public static final Limit MAX_SESSIONS = new Limit("--max-sessions", "65536", "sessions",
            "native TCP, Unix socket and WebSocket sessions, detached ones included",
            "`max_sessions` in answer to hello, then the connection closes", UNLIMITED, c -> c.maxSessions());
    public static final Limit MAX_SESSIONS_PER_IP = new Limit("--max-sessions-per-ip", "0", "sessions per IP",
            "native sessions opened from one remote address",
            "`max_sessions_per_ip` in answer to hello, then the connection closes", TOTAL_ONLY, c -> c.maxSessionsPerIp());
    public static final Limit HTTP_MAX_SESSIONS = new Limit("--http-max-sessions", "65536", "sessions",
            "HTTP sessions (dflockd's and native)",
            "HTTP 503 `max_sessions`", UNLIMITED, c -> c.httpMaxSessions());
    public static final Limit HTTP_MAX_SESSIONS_PER_IP = new Limit("--http-max-sessions-per-ip", "0", "sessions per IP",
            "HTTP sessions opened from one remote address",
            "HTTP 503 `max_sessions_per_ip`", TOTAL_ONLY, c -> c.httpMaxSessionsPerIp());
    public static final Limit MAX_CONNECTIONS_PER_SESSION = new Limit("--max-connections-per-session", "8",
            "connections per session", "connections (event streams and polls included) attached to one native session",
            "`max_connections_per_session` in answer to a resume", null, c -> c.maxConnectionsPerSession());
    public static final Limit MAX_REQUESTS_IN_FLIGHT = new Limit("--max-requests-in-flight", "1024", "requests",
            "native requests one connection or one session has unanswered; requests of a one-at-a-time dflockd HTTP session waiting for their turn",
            "native `too_many_requests`; HTTP 429 `too_many_requests`", null, c -> c.maxRequestsInFlight());
    public static final Limit RPC_MAX_IN_FLIGHT = new Limit("--rpc-max-in-flight", "65536", "calls",
            "request/reply calls in flight on the node (sent to a target, not yet answered)",
            "native `too_many_requests` to the caller; HTTP 429 `too_many_requests`", null, c -> c.rpcMaxInFlight());
    public static final Limit WEBHOOK_MAX_IN_FLIGHT = new Limit("--webhook-max-in-flight", "1024", "requests",
            "outbound HTTP requests under way: calls and notifies POSTed to webhooks, outcomes POSTed to URL response hooks",
            "the call is answered `too_many_requests` (a URL hook's delivery is counted failed)", null,
            c -> c.webhookMaxInFlight());
    public static final Limit ACOMM_MAX_IN_FLIGHT = new Limit("--acomm-max-in-flight", "1024", "requests per connection",
            "acomm requests one connection has sent whose outcome has not come yet",
            "the acknowledgement's `error` says `too_many_requests: …`", null, c -> c.acommMaxInFlight());
    public static final Limit ACOMM_MAX_HOOK_DELIVERIES = new Limit("--acomm-max-hook-deliveries", "4096", "responses",
            "acomm Responses owed to response hooks on the node, from a request's acknowledgement until its Response is delivered or given up",
            "the acknowledgement's `error` says `too_many_requests: …`", null, c -> c.acommMaxHookDeliveries());
    public static final Limit RPC_MAX_FANOUT = new Limit("--rpc-max-fanout", "256", "members per request-many",
            "members one `rpc.call_many` goes to (its `targets`, or the services serving its `name`)",
            "native `too_many_requests` to the caller; HTTP 429 `too_many_requests`", null, c -> c.rpcMaxFanout());
    public static final Limit RPC_STREAM_WINDOW = new Limit("--rpc-stream-window", "16", "chunks per stream",
            "chunks of one stream sent (`rpc.chunk`) and not yet written to the caller",
            "native `too_many_requests` to the chunk's sender; the stream goes on", null, c -> c.rpcStreamWindow());
    public static final Limit PRESENCE_MAX_WATCHES_PER_SESSION = new Limit("--presence-max-watches-per-session", "16",
            "watches per session", "presence watches (`presence.subscribe`) one session has open",
            "native `too_many_requests`", null, c -> c.presenceMaxWatchesPerSession());
    public static final Limit PRESENCE_MAX_IDS_PER_WATCH = new Limit("--presence-max-ids-per-watch", "1024",
            "peer ids per watch", "peer ids one `presence.subscribe` names",
            "native `invalid_argument`", null, c -> c.presenceMaxIdsPerWatch());
    public static final Limit PRESENCE_MAX_QUEUED_PER_WATCH = new Limit("--presence-max-queued-per-watch", "4096",
            "peers per watch", "peers whose presence changes wait for one watch's subscriber (not yet handed to its session)",
            "the waiting changes are dropped; the subscriber gets `presence.resync` and a fresh snapshot (connects and disconnects never wait)",
            null, c -> c.presenceMaxQueuedPerWatch());
    public static final Limit TOPIC_PRESENCE_MAX_WATCHES_PER_SESSION = new Limit("--topic-presence-max-watches-per-session", "16",
            "watches per session", "topics one session watches for joins and leaves (`topic.presence.subscribe`)",
            "native `too_many_requests`", null, c -> c.topicPresenceMaxWatchesPerSession());
    public static final Limit RELAY_MAX_MESSAGE_BYTES = new Limit("--relay-max-message-bytes", "65536", "bytes per message",
            "the payload of one direct message (`relay.send`, a compact relay frame)",
            "native `frame_too_large` naming the option (never truncated); the connection goes on", "only empty messages",
            c -> c.relayMaxMessageBytes());
    public static final Limit RELAY_MAX_MESSAGES_PER_SECOND = new Limit("--relay-max-messages-per-second", "10000",
            "messages per second per sending peer", "direct messages one peer sends (a token bucket holding one second's worth)",
            "native `too_many_requests` naming the option; the connection goes on", UNLIMITED, c -> c.relayMaxMessagesPerSecond());
    public static final Limit RELAY_MAX_BYTES_PER_SECOND = new Limit("--relay-max-bytes-per-second", "67108864",
            "bytes per second per sending peer", "payload bytes of the direct messages one peer sends (a token bucket holding one second's worth)",
            "native `too_many_requests` naming the option; the connection goes on", UNLIMITED, c -> c.relayMaxBytesPerSecond());
    public static final Limit RELAY_MAX_UNACKNOWLEDGED = new Limit("--relay-max-unacknowledged", "1024", "messages per session",
            "direct messages one session sent with an `ack_id` whose receipt has not come yet",
            "native `too_many_requests` naming the option; the connection goes on", null, c -> c.relayMaxUnacknowledged());
    public static final Limit DFLOCKD_MAX_PIPELINED = new Limit("--dflockd-max-pipelined", "256", "lines",
            "dflockd requests one connection has sent ahead while an earlier one is being answered",
            "the connection is closed (dflockd cancels a connection whose pipelined input overflows its reader)", null,
            c -> c.dflockdMaxPipelined());
    public static final Limit HTTP_MAX_PIPELINED = new Limit("--http-max-pipelined", "32", "requests",
            "HTTP requests one keep-alive connection has sent ahead of their turn",
            "the connection is closed", null, c -> c.httpMaxPipelined());
    public static final Limit MAX_FRAME_BYTES = new Limit("--max-frame-bytes", "1048576", "bytes per message",
            "one native message (a JSON line, a frame, a WebSocket message)",
            "`frame_too_large`, then the connection closes (WebSocket: close code 1009)", null, c -> c.maxFrameBytes());
    public static final Limit HTTP_MAX_BODY_BYTES = new Limit("--http-max-body-bytes", "1048576", "bytes per body",
            "one HTTP request body",
            "native API 413 `frame_too_large`; dflockd API 400 `bad_request`; the connection closes", null,
            c -> c.httpMaxBodyBytes());
    public static final Limit SIGNAL_BUFFER_SIZE = new Limit("--signal-buffer-size", "64", "messages per connection",
            "signals and events queued for one connection and not yet handed to its socket (which takes more only while Netty's buffer is under its 64 KiB high-water mark)",
            "`slow_consumer`, then the connection closes (dflockd: closed)", null, c -> c.signalBufferSize());
    public static final Limit HTTP_MAX_PENDING_BYTES = new Limit("--http-max-pending-bytes", "8388608", "bytes per connection",
            "bytes an HTTP or WebSocket connection owes its client (a client that does not read)",
            "the connection is closed", null, c -> c.httpMaxPendingBytes());
    public static final Limit HANDSHAKE_TIMEOUT = new Limit("--handshake-timeout", "10", "seconds",
            "how long a native, frame or WebSocket connection may take to get its hello answered",
            "`handshake_timeout`, then the connection closes", null, c -> c.handshakeTimeout().toSeconds());
    public static final Limit TOPIC_HISTORY_MAX_BYTES = new Limit("--topic-history-max-bytes", "67108864", "bytes",
            "topic history kept over every topic (--topic-history)",
            "the node's oldest history message is dropped; a subscriber asking from before it gets `recovered: false`",
            "no cap", c -> c.topicHistoryMaxBytes());
    public static final Limit TOPIC_HISTORY_MAX_TOPICS = new Limit("--topic-history-max-topics", "10000", "topics",
            "topics keeping a history at once (--topic-history)",
            "the topic used least recently is forgotten: its next message starts a new epoch, and a subscriber from its old epoch gets `recovered: false`",
            "no cap", c -> c.topicHistoryMaxTopics());
    public static final Limit HTTP_RATE_LIMIT_PER_IP = new Limit("--http-rate-limit-per-ip", "0", "requests per second per IP",
            "HTTP requests from one remote address (a token bucket; burst: --http-rate-limit-burst)",
            "HTTP 429 `rate_limited`", "off", c -> c.httpRateLimitPerIp());
    public static final Limit HOOK_QUEUE_SIZE = new Limit("--hook-queue-size", "4096", "calls",
            "calls of the embedding program's hooks, session lookups and executeInSession tasks waiting or running at once (docs/embedding.md)",
            "a connection the connect hook must check gets `too_many_requests` and closes; a resume that needs a lookup gets `session_not_found`",
            null, c -> c.embeddingHooks().queueSize());

    /** Every limit whose hit refuses something: each has a label of {@code switchboard_limit_hits_total}. */
    public static final Limit CLUSTER_MAX_PEERS = new Limit("--cluster-max-peers", "1000000", "peer ids",
            "in a cluster: peer ids the node's directory holds, its own sessions' and other nodes' together",
            "a session past it is not reachable as a peer (`relay.send` to it: `peer_not_found`); another node's peer past it is not found from this node",
            null, c -> c.clusterEngines().maxPeers());
    public static final Limit CLUSTER_RPC_MAX_IN_FLIGHT = new Limit("--cluster-rpc-max-in-flight", "10000", "calls",
            "in a cluster: requests this node has out on NATS at once, waiting for another node's answer",
            "native `too_many_requests` to the caller, naming the option; HTTP 429", null, c -> c.clusterEngines().rpcMaxInFlight());
    public static final Limit CLUSTER_HISTORY_MAX_PENDING = new Limit("--cluster-history-max-pending", "10000", "operations",
            "in a cluster: topic history publishes and reads waiting for JetStream at once on this node (they take up to the NATS timeout each while JetStream does not answer)",
            "native `internal` (`publish failed:` / `history failed:` with `HistoryBacklogFullException`), delivered nowhere", null,
            c -> c.clusterEngines().historyMaxPending());
    public static final Limit CLUSTER_MAX_PENDING_MESSAGES = new Limit("--cluster-max-pending-messages", "65536", "messages",
            "in a cluster: messages from other nodes waiting for this node's NATS dispatcher to fan them out",
            "NATS drops the next ones (`switchboard_cluster_dropped_from_other_nodes_total`); a hit is counted once per overflow",
            null, c -> c.clusterEngines().maxPendingMessages());
    public static final Limit CLUSTER_MAX_PENDING_BYTES = new Limit("--cluster-max-pending-bytes", "67108864", "bytes",
            "in a cluster: the same messages, in bytes",
            "as `cluster_max_pending_messages`", null, c -> c.clusterEngines().maxPendingBytes());

    public static final Limit ADMIN_SNAPSHOT_MAX_ITEMS = new Limit("--admin-snapshot-max-items", "1000", "entries per list",
            "entries of each list of the admin snapshot (sessions, locks, holders and waiters of one key, topics, services, peers)",
            "the list is cut and the snapshot says `\"truncated\": true`", null, c -> c.adminSnapshotMaxItems());

    public static final List<Limit> ALL = List.of(MAX_LOCKS, MAX_WAITERS, LOCK_MAILBOX_SIZE, SESSION_MAILBOX_SIZE, MAX_SUBSCRIPTIONS, MAX_CONNECTIONS,
            MAX_CONNECTIONS_PER_IP, HTTP_MAX_CONNECTIONS_PER_IP, MAX_SESSIONS, MAX_SESSIONS_PER_IP, HTTP_MAX_SESSIONS,
            HTTP_MAX_SESSIONS_PER_IP, MAX_CONNECTIONS_PER_SESSION, MAX_REQUESTS_IN_FLIGHT, RPC_MAX_IN_FLIGHT, RPC_MAX_FANOUT, RPC_STREAM_WINDOW, WEBHOOK_MAX_IN_FLIGHT, ACOMM_MAX_IN_FLIGHT,
            ACOMM_MAX_HOOK_DELIVERIES, PRESENCE_MAX_WATCHES_PER_SESSION, PRESENCE_MAX_IDS_PER_WATCH,
            PRESENCE_MAX_QUEUED_PER_WATCH, TOPIC_PRESENCE_MAX_WATCHES_PER_SESSION, RELAY_MAX_MESSAGE_BYTES, RELAY_MAX_MESSAGES_PER_SECOND,
            RELAY_MAX_BYTES_PER_SECOND, RELAY_MAX_UNACKNOWLEDGED, DFLOCKD_MAX_PIPELINED,
            HTTP_MAX_PIPELINED, MAX_FRAME_BYTES, HTTP_MAX_BODY_BYTES, SIGNAL_BUFFER_SIZE, HTTP_MAX_PENDING_BYTES,
            HANDSHAKE_TIMEOUT, HTTP_RATE_LIMIT_PER_IP, HOOK_QUEUE_SIZE, TOPIC_HISTORY_MAX_BYTES, TOPIC_HISTORY_MAX_TOPICS,
            CLUSTER_MAX_PEERS, CLUSTER_RPC_MAX_IN_FLIGHT, CLUSTER_HISTORY_MAX_PENDING, CLUSTER_MAX_PENDING_MESSAGES,
            CLUSTER_MAX_PENDING_BYTES, ADMIN_SNAPSHOT_MAX_ITEMS);

    /**
     * Buffers that never refuse: when full they drop their oldest event, and a client that asks
     * for it later learns that it was missed ({@code recovered: false}, a gap in the sequence).
     * Not counted as limit hits (a long-lived session drops old events as a matter of course).
     */
    public static final List<Limit> ROLLING_BUFFERS = List.of(
            new Limit("--cluster-max-origins", "4096", "node instances",
                    "in a cluster: other node instances whose last message number the broker remembers (to fan each message out once)",
                    "the one heard from least recently is forgotten; its next message may be fanned out twice, once", null,
                    c -> c.clusterEngines().maxOrigins()),
            new Limit("--replay-buffer-bytes", "4194304", "bytes per session", "events a native session keeps for a resume",
                    "the oldest event is dropped; a resume after it gets `recovered: false`", null, c -> c.replayBufferBytes()),
            new Limit("--replay-buffer-messages", "1024", "events per session",
                    "events a session keeps for a resume or for its SSE and long-poll clients until acknowledged",
                    "the oldest event is dropped; a resume or poll after it learns it was missed", null,
                    c -> c.replayBufferMessages()),
            new Limit("--replay-total-bytes", "0", "bytes", "events buffered over every session",
                    "a session drops its own oldest event (counted in `switchboard_replay_budget_drops_total`)",
                    "a quarter of the JVM's largest heap", c -> c.replayTotalBytes()));

    private static final Map<String, Limit> BY_NAME = new LinkedHashMap<>();

    static {
        for (Limit l : ALL) {
            if (BY_NAME.put(l.name(), l) != null) throw new ExceptionInInitializerError("two limits named " + l.name());
        }
    }

    private Limits() {
    }

    /** The limit whose hits are counted under {@code name}, or null. */
    public static Limit byName(String name) {
        return BY_NAME.get(name);
    }

    /** The limits tables of docs/operations.md, as they must read there. */
    public static String markdownTables() {
        StringBuilder sb = new StringBuilder();
        sb.append("| Limit (metric label) | Option | Environment | Default | Unit | Bounds | When hit | 0 means |\n");
        sb.append("|---|---|---|---|---|---|---|---|\n");
        for (Limit l : ALL) row(sb, l, "`" + l.name() + "`");
        sb.append("\nBuffers that drop their oldest event instead of refusing (not counted as limit hits):\n\n");
        sb.append("| Buffer | Option | Environment | Default | Unit | Bounds | When full | 0 means |\n");
        sb.append("|---|---|---|---|---|---|---|---|\n");
        for (Limit l : ROLLING_BUFFERS) row(sb, l, l.name());
        return sb.toString();
    }

    private static void row(StringBuilder sb, Limit l, String first) {
        sb.append("| ").append(first).append(" | `").append(l.option()).append("` | `").append(l.environmentVariable())
                .append("` | ").append(l.defaultValue()).append(" | ").append(l.unit()).append(" | ").append(l.bounds())
                .append(" | ").append(l.whenHit()).append(" | ").append(l.zeroMeans() == null ? "refused" : l.zeroMeans())
                .append(" |\n");
    }
}
