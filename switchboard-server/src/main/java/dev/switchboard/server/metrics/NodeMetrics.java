package dev.switchboard.server.metrics;

import dev.switchboard.core.SwitchboardCore;
import dev.switchboard.core.lock.LockStats;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;

/**
 * The node's Prometheus metrics. Switchboard's own names start with {@code switchboard_}; the
 * gauges and HTTP series of dflockd 1.16 are kept under their {@code dflockd_} names so that
 * existing dashboards keep working. Every name is listed in docs/metrics.md, and a test scrapes
 * them all.
 */
public final class NodeMetrics {
    private static final Set<String> METHODS = Set.of("GET", "POST", "PUT", "DELETE", "HEAD", "OPTIONS", "PATCH");
    /** The bucket bounds of the HTTP duration histogram (plus {@code +Inf}); listed in docs/metrics.md. */
    private static final Duration[] DURATION_BUCKETS = {Duration.ofMillis(1), Duration.ofMillis(10),
            Duration.ofMillis(100), Duration.ofSeconds(1), Duration.ofSeconds(10)};

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final SwitchboardCore core;
    private final long startNanos = System.nanoTime();
    private final ConcurrentHashMap<String, AtomicLong> connectionsByTransport = new ConcurrentHashMap<>();
    private final AtomicLong locksHeld = new AtomicLong();
    private final AtomicLong lockWaiters = new AtomicLong();
    private final AtomicLong semaphoreHolders = new AtomicLong();
    private final AtomicLong semaphoreWaiters = new AtomicLong();
    private final Counter bytesIn;
    private final Counter bytesOut;
    private final ConcurrentHashMap<String, java.util.concurrent.atomic.LongAdder> bytesInByTransport = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, java.util.concurrent.atomic.LongAdder> bytesOutByTransport = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Counter> slowHttpReadersCut = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Counter> tlsRefused = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Counter> httpRefused = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Counter> limitHits = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Counter> hookFailures = new ConcurrentHashMap<>();

    public NodeMetrics(SwitchboardCore core, BooleanSupplier ready) {
        this.core = core;
        Gauge.builder("dflockd_ready", () -> ready.getAsBoolean() ? 1 : 0).description("1 while accepting work").register(registry);
        Gauge.builder("dflockd_uptime_seconds", () -> (System.nanoTime() - startNanos) / 1e9).register(registry);
        Gauge.builder("dflockd_connections", core::connectionCount)
                .description("open sessions, every transport, plus accepted connections without a session yet").register(registry);
        Gauge.builder("dflockd_locks_held", locksHeld::get).register(registry);
        Gauge.builder("dflockd_lock_waiters", lockWaiters::get).register(registry);
        Gauge.builder("dflockd_semaphore_holders", semaphoreHolders::get).register(registry);
        Gauge.builder("dflockd_semaphore_waiters", semaphoreWaiters::get).register(registry);
        Gauge.builder("switchboard_sessions", () -> core.sessions().count()).description("open sessions").register(registry);
        Gauge.builder("switchboard_lock_keys", () -> core.locks().keyCount()).description("lock and semaphore keys, idle ones included").register(registry);
        Gauge.builder("switchboard_locks_held", () -> locksHeld.get() + semaphoreHolders.get()).description("held lock and semaphore slots").register(registry);
        Gauge.builder("switchboard_lock_waiters", () -> lockWaiters.get() + semaphoreWaiters.get()).description("queued lock and semaphore requests").register(registry);
        Gauge.builder("switchboard_peers_online", () -> core.peers().size())
                .description("peer ids that answer on the node (one per session, by its peer id)").register(registry);
        Gauge.builder("switchboard_presence_watches", () -> core.peers().watchCount())
                .description("presence watches open (presence.subscribe)").register(registry);
        Gauge.builder("switchboard_topic_presence_watches", () -> core.topicWatches().watchCount())
                .description("topic join/leave watches open (topic.presence.subscribe)").register(registry);
        Gauge.builder("switchboard_topic_nodes", () -> core.broker().indexSize())
                .description("nodes of the signal topic tree: the paths of the patterns listened to").register(registry);
        Gauge.builder("switchboard_pre_session_connections", () -> core.preSessionConnections().count())
                .description("accepted connections without a session yet: being detected, or native before the welcome").register(registry);
        FunctionCounter.builder("switchboard_handshake_timeouts", core.preSessionConnections(),
                        c -> c.cutByHandshakeDeadlineTotal())
                .description("native, frame and WebSocket connections closed for not completing hello within --handshake-timeout")
                .register(registry);
        bytesIn = Counter.builder("switchboard_network_received").baseUnit("bytes").description("bytes read from clients").register(registry);
        bytesOut = Counter.builder("switchboard_network_sent").baseUnit("bytes").description("bytes written to clients").register(registry);
        // One series per registered limit from the start, so that a dashboard sees every limit at 0;
        // the lock engine counts its own refusals, read by a function counter.
        for (dev.switchboard.server.limits.Limit l : dev.switchboard.server.limits.Limits.ALL) {
            if (l != dev.switchboard.server.limits.Limits.LOCK_MAILBOX_SIZE && l != dev.switchboard.server.limits.Limits.TOPIC_HISTORY_MAX_BYTES
                    && l != dev.switchboard.server.limits.Limits.TOPIC_HISTORY_MAX_TOPICS) {
                limitHits(l.name());
            }
        }
        pubSub(core);
        FunctionCounter.builder("switchboard_limit_hits", core.locks(), l -> l.busyRefusals())
                .tag("limit", dev.switchboard.server.limits.Limits.LOCK_MAILBOX_SIZE.name())
                .description("times a client hit a limit (the request or connection was refused or cut)")
                .register(registry);
        Gauge.builder("switchboard_replay_buffered_bytes", () -> core.sessions().replayBudget().usedBytes())
                .description("bytes of events buffered for resumes and polls, over every session").register(registry);
        io.micrometer.core.instrument.FunctionCounter.builder("switchboard_replay_budget_drops", core.sessions(),
                        s -> s.replayBudget().droppedEvents())
                .description("events a session dropped because the node's --replay-total-bytes was reached").register(registry);
        io.micrometer.core.instrument.FunctionCounter.builder("switchboard_late_replies", core.sessions(),
                        dev.switchboard.core.session.SessionRegistry::lateReplies)
                .description("replies that came after their request's deadline had answered it (dropped, and what they carried given back)")
                .register(registry);
        rpc(core.rpc().tracker());
        for (String hook : new String[] {"connect", "disconnect", "session_created", "session_closed"}) {
            hookFailures(hook);
        }
        FunctionCounter.builder("switchboard_rpc_stream_chunks", core.rpc(), dev.switchboard.core.rpc.RequestReply::streamChunks)
                .description("stream chunks (rpc.chunk) written to their callers").register(registry);
        for (String transport : new String[] {"dflockd", "json", "json-frames", "http", "ws"}) {
            connection(transport);
        }
        for (String response : new String[] {"stream", "single"}) {
            for (String reason : new String[] {"pending_bytes", "write_deadline"}) {
                slowHttpReadersCut.put(response + "/" + reason, Counter.builder("switchboard_http_slow_readers_cut")
                        .tags("response", response, "reason", reason)
                        .description("HTTP connections closed because their client did not read what was sent")
                        .register(registry));
            }
        }
        for (String reason : new String[] {"host", "origin"}) {
            httpRefused.put(reason, Counter.builder("switchboard_http_refused").tag("reason", reason)
                    .description("HTTP requests refused for their Host or Origin header").register(registry));
        }
        for (String reason : new String[] {"handshake", "plaintext"}) {
            tlsRefused.put(reason, Counter.builder("switchboard_tls_handshake_failures").tag("reason", reason)
                    .description("connections to a TLS port that failed the handshake or spoke plain text").register(registry));
        }
    }

    /** Request/reply: each call's outcome, late responses, calls in flight. */
    private void rpc(dev.switchboard.core.rpc.RpcTracker tracker) {
        for (String outcome : dev.switchboard.core.rpc.RpcTracker.OUTCOMES) {
            FunctionCounter.builder("switchboard_rpc_calls", tracker, t -> t.outcomes(outcome)).tag("outcome", outcome)
                    .description("request/reply calls that ended, by outcome").register(registry);
        }
        FunctionCounter.builder("switchboard_rpc_late_replies", tracker, dev.switchboard.core.rpc.RpcTracker::lateReplies)
                .description("rpc.respond answers refused unknown_request: their call had ended, or was not theirs")
                .register(registry);
        Gauge.builder("switchboard_rpc_in_flight", tracker, dev.switchboard.core.rpc.RpcTracker::inFlight)
                .description("request/reply calls sent to a target and not yet answered").register(registry);
    }

    /** Counts an embedding program's hook that threw ({@code connect}, {@code disconnect}, {@code session_created}, {@code session_closed}). */
    public void hookFailed(String hook) {
        hookFailures(hook).increment();
    }

    private Counter hookFailures(String hook) {
        return hookFailures.computeIfAbsent(hook, h -> Counter.builder("switchboard_hook_failures").tag("hook", h)
                .description("calls of the embedding program's hooks that threw (logged; the connection or session went on)")
                .register(registry));
    }

    /**
     * Webhooks and response hooks: each webhook request by outcome, each hook delivery by kind and
     * outcome, and the outbound HTTP requests under way.
     */
    public void webhooks(dev.switchboard.server.webhook.WebhookTarget webhooks, dev.switchboard.core.rpc.ResponseHooks hooks,
                         dev.switchboard.server.webhook.OutboundHttp http) {
        for (String outcome : dev.switchboard.server.webhook.WebhookTarget.OUTCOMES) {
            FunctionCounter.builder("switchboard_webhook_requests", webhooks, w -> w.outcomes(outcome)).tag("outcome", outcome)
                    .description("calls and notifies POSTed to a --rpc-webhook URL, by how the request ended").register(registry);
        }
        for (String kind : dev.switchboard.core.rpc.ResponseHooks.KINDS) {
            for (String outcome : dev.switchboard.core.rpc.ResponseHooks.OUTCOMES) {
                FunctionCounter.builder("switchboard_rpc_hook_deliveries", hooks, h -> h.deliveries(kind, outcome))
                        .tags("hook", kind, "outcome", outcome)
                        .description("call outcomes sent to a response hook (reply_to), by kind of hook and outcome").register(registry);
            }
        }
        Gauge.builder("switchboard_webhook_in_flight", http, dev.switchboard.server.webhook.OutboundHttp::inFlight)
                .description("webhook and response-hook POSTs under way").register(registry);
    }

    /** acomm: requests taken, Responses delivered to hooks or not, Responses from acomm backends. */
    public void acomm(dev.switchboard.server.transport.acomm.Acomm acomm) {
        FunctionCounter.builder("switchboard_acomm_requests", acomm, dev.switchboard.server.transport.acomm.Acomm::requests)
                .description("acomm requests taken (acknowledged without an error) and made calls").register(registry);
        for (boolean ok : new boolean[] {true, false}) {
            FunctionCounter.builder("switchboard_acomm_hook_deliveries", acomm, a -> a.deliveries(ok))
                    .tag("outcome", ok ? "delivered" : "failed")
                    .description("acomm Responses sent to response hooks, by outcome").register(registry);
            FunctionCounter.builder("switchboard_acomm_backend_responses", acomm, a -> a.backendResponses(ok))
                    .tag("outcome", ok ? "matched" : "unknown")
                    .description("acomm Responses from acomm backends: matched to their call, or to no call waiting").register(registry);
        }
        Gauge.builder("switchboard_acomm_hook_deliveries_owed", acomm, dev.switchboard.server.transport.acomm.Acomm::owed)
                .description("acomm Responses owed to response hooks (bounded by --acomm-max-hook-deliveries)").register(registry);
    }

    /** Topic histories and the topic tree: the core counts, read by function counters. */
    private void pubSub(SwitchboardCore core) {
        dev.switchboard.core.pubsub.TopicHistories h = core.topicHistories();
        FunctionCounter.builder("switchboard_limit_hits", h, dev.switchboard.core.pubsub.TopicHistories::bytesDrops)
                .tag("limit", dev.switchboard.server.limits.Limits.TOPIC_HISTORY_MAX_BYTES.name())
                .description("times a client hit a limit (the request or connection was refused or cut)").register(registry);
        FunctionCounter.builder("switchboard_limit_hits", h, dev.switchboard.core.pubsub.TopicHistories::topicDrops)
                .tag("limit", dev.switchboard.server.limits.Limits.TOPIC_HISTORY_MAX_TOPICS.name())
                .description("times a client hit a limit (the request or connection was refused or cut)").register(registry);
        Gauge.builder("switchboard_topic_history_bytes", h, dev.switchboard.core.pubsub.TopicHistories::bytes)
                .baseUnit("bytes").description("bytes of messages kept in topic histories, over every topic").register(registry);
        Gauge.builder("switchboard_topic_history_topics", h, dev.switchboard.core.pubsub.TopicHistories::topics)
                .description("topics keeping a history").register(registry);
        FunctionCounter.builder("switchboard_pubsub_skipped_listeners", core.broker(), dev.switchboard.core.pubsub.Broker::skippedListeners)
                .description("times a dflockd listener was passed over for a message its line protocol cannot carry (not text, or not one line)")
                .register(registry);
    }

    /** Exposes the events dropped for slow consumers under {@code --slow-consumer-policy drop-oldest}. */
    public void slowConsumerDrops(dev.switchboard.server.transport.ServerContext server) {
        // The context itself, which the node holds: a function counter keeps only a weak reference.
        FunctionCounter.builder("switchboard_slow_consumer_dropped_events", server, dev.switchboard.server.transport.ServerContext::slowConsumerDrops)
                .description("events dropped from slow connections' queues under --slow-consumer-policy drop-oldest (each told with a gap event)")
                .register(registry);
    }


    /** A clustered node's engine connections ({@code nats}, {@code etcd}): reachability, round trips, errors, reconnects. */
    public void cluster(dev.switchboard.cluster.ClusterHealth health) {
        for (dev.switchboard.cluster.EngineStats engine : health.engines()) {
            Gauge.builder("switchboard_cluster_engine_up", engine, e -> e.up() ? 1 : 0).tag("engine", engine.engine())
                    .description("1 while the node reaches the cluster engine, 0 while it does not").register(registry);
            FunctionCounter.builder("switchboard_cluster_round_trips", engine, dev.switchboard.cluster.EngineStats::roundTrips)
                    .tag("engine", engine.engine()).description("calls the cluster engine answered").register(registry);
            FunctionCounter.builder("switchboard_cluster_errors", engine, dev.switchboard.cluster.EngineStats::errors)
                    .tag("engine", engine.engine()).description("calls the cluster engine failed or did not answer in time").register(registry);
            FunctionCounter.builder("switchboard_cluster_reconnects", engine, dev.switchboard.cluster.EngineStats::reconnects)
                    .tag("engine", engine.engine()).description("times the cluster engine was reached again after an outage").register(registry);
        }
    }
    /**
     * What a clustered node's engines dropped or refused: messages from other nodes NATS dropped or
     * that wait, dflockd signal counts not gathered, peers not cached, direct messages dropped,
     * requests out on NATS. The engines are read through {@code engines} (made before the core asks
     * for them), 0 while one is not made.
     */
    public void clusterEngines(dev.switchboard.cluster.ClusterEngines engines) {
        FunctionCounter.builder("switchboard_cluster_dropped_from_other_nodes", engines,
                        e -> e.natsBroker() == null ? 0 : e.natsBroker().droppedFromOtherNodes())
                .description("messages from other nodes NATS dropped because --cluster-max-pending-messages or -bytes were waiting").register(registry);
        Gauge.builder("switchboard_cluster_pending_from_other_nodes", engines,
                        e -> e.natsBroker() == null ? 0 : e.natsBroker().pendingFromOtherNodes())
                .description("messages from other nodes waiting for the node's NATS dispatcher").register(registry);
        FunctionCounter.builder("switchboard_cluster_counts_refused", engines,
                        e -> e.natsBroker() == null ? 0 : e.natsBroker().countsRefused())
                .description("dflockd signals that counted this node's receivers only: --cluster-max-counted-publishes were waiting").register(registry);
        FunctionCounter.builder("switchboard_cluster_peers_not_cached", engines,
                        e -> e.peerDirectory() == null ? 0 : e.peerDirectory().cacheFullDrops())
                .description("peers refused or not cached because the directory held --cluster-max-peers").register(registry);
        FunctionCounter.builder("switchboard_cluster_direct_messages_dropped", engines,
                        e -> e.peerDirectory() == null ? 0 : e.peerDirectory().droppedMessages())
                .description("direct messages from other nodes for a peer no longer here").register(registry);
        FunctionCounter.builder("switchboard_cluster_malformed_messages", engines,
                        e -> e.peerDirectory() == null ? 0 : e.peerDirectory().malformedMessages())
                .description("messages on the node's relay subject that were not direct messages").register(registry);
        Gauge.builder("switchboard_cluster_rpc_in_flight", engines, e -> e.rpc().callsInFlight())
                .description("requests this node has out on NATS, waiting for another node's answer").register(registry);
    }

    /** The relay protocol's refusals and drops, by reason (every reason's series from the start, at 0). */
    public void relay(dev.switchboard.server.transport.relay.RelayStats stats) {
        for (String reason : dev.switchboard.server.transport.relay.RelayStats.CLOSE_REASONS) {
            FunctionCounter.builder("switchboard_relay_connections_closed", stats, s -> s.closes(reason)).tag("reason", reason)
                    .description("relay-protocol connections the server closed, by reason: a failed Auth, a refused message, a timeout")
                    .register(registry);
        }
        for (String reason : dev.switchboard.server.transport.relay.RelayStats.DROP_REASONS) {
            FunctionCounter.builder("switchboard_relay_dropped_messages", stats, s -> s.drops(reason)).tag("reason", reason)
                    .description("relay-protocol Transport messages not delivered, by reason (the wire has no answer for them)")
                    .register(registry);
        }
        FunctionCounter.builder("switchboard_relay_peers_admitted", stats, dev.switchboard.server.transport.relay.RelayStats::admissions)
                .description("relay-protocol peers whose Auth was accepted").register(registry);
    }

    /** Exposes sessions ended by an expired token, and token refreshes by result (every result from the start). */
    public void tokens(dev.switchboard.server.identity.TokenExpiry tokens) {
        FunctionCounter.builder("switchboard_token_expired", tokens, dev.switchboard.server.identity.TokenExpiry::expiredTotal)
                .description("sessions ended with token_expired: their token expired, plus --token-expiry-grace, without a refresh")
                .register(registry);
        for (String result : dev.switchboard.server.identity.TokenExpiry.REFRESH_RESULTS) {
            FunctionCounter.builder("switchboard_token_refreshes", tokens, t -> t.refreshes(result)).tag("result", result)
                    .description("auth.refresh requests by result: ok, refused (the token does not check out), forbidden (another identity, or a token that does not expire)")
                    .register(registry);
        }
    }

    /** Counts a client hitting the limit named {@code limit} (a name of the limits registry). */
    public void limitHit(String limit) {
        limitHits(limit).increment();
    }

    private Counter limitHits(String limit) {
        return limitHits.computeIfAbsent(limit, l -> Counter.builder("switchboard_limit_hits").tag("limit", l)
                .description("times a client hit a limit (the request or connection was refused or cut)").register(registry));
    }

    /** Exposes the number of HTTP sessions (dflockd's {@code dflockd_http_sessions}). */
    public void httpSessions(java.util.function.IntSupplier count) {
        Gauge.builder("dflockd_http_sessions", count::getAsInt).description("open HTTP sessions").register(registry);
    }

    /**
     * Counts {@code channel} as an open connection of {@code transport} until it closes, and labels
     * its bytes with it ({@link TrafficCounter#TRANSPORT}). A channel already closed is labelled only.
     */
    public void connectionOpened(io.netty.channel.Channel channel, String transport) {
        channel.attr(TrafficCounter.TRANSPORT).set(transport);
        if (!channel.isActive()) return;
        channel.attr(COUNTED_AS).set(transport);
        connection(transport).incrementAndGet();
        channel.closeFuture().addListener(f -> connection(channel.attr(COUNTED_AS).get()).decrementAndGet());
    }

    /**
     * The connection goes on as {@code transport} (an HTTP connection upgraded to a WebSocket): its
     * count moves there, and so do its bytes from now on. Called on the channel's event loop, where
     * its close listener runs too, so the two cannot interleave.
     */
    public void transportChanged(io.netty.channel.Channel channel, String transport) {
        channel.attr(TrafficCounter.TRANSPORT).set(transport);
        String counted = channel.attr(COUNTED_AS).get();
        if (counted == null || channel.closeFuture().isDone()) return; // never counted, or already uncounted
        connection(counted).decrementAndGet();
        connection(transport).incrementAndGet();
        channel.attr(COUNTED_AS).set(transport);
    }

    /** The transport a channel is counted under in {@code switchboard_connections}. */
    private static final io.netty.util.AttributeKey<String> COUNTED_AS = io.netty.util.AttributeKey.valueOf("switchboard.counted-as");

    private AtomicLong connection(String transport) {
        return connectionsByTransport.computeIfAbsent(transport, t -> {
            AtomicLong n = new AtomicLong();
            Gauge.builder("switchboard_connections", n::get).tag("transport", t)
                    .description("open connections by transport").register(registry);
            return n;
        });
    }

    /** Bytes read from a connection of {@code transport} (null while its protocol is not known yet). */
    public void bytesReceived(String transport, long n) {
        bytesIn.increment(n);
        bytesByTransport(bytesInByTransport, transport).add(n);
    }

    public void bytesSent(String transport, long n) {
        bytesOut.increment(n);
        bytesByTransport(bytesOutByTransport, transport).add(n);
    }

    private static java.util.concurrent.atomic.LongAdder bytesByTransport(
            ConcurrentHashMap<String, java.util.concurrent.atomic.LongAdder> map, String transport) {
        return map.computeIfAbsent(transport == null ? "undetected" : transport, t -> new java.util.concurrent.atomic.LongAdder());
    }

    /**
     * Bytes read and written since start by transport (of the connection as detected, and
     * {@code ws} from a WebSocket's upgrade on; bytes read before detection as {@code undetected}):
     * the admin snapshot's throughput. Not metrics: {@code switchboard_network_*} has the totals.
     */
    public java.util.Map<String, Long> bytesReceivedByTransport() {
        return sums(bytesInByTransport);
    }

    public java.util.Map<String, Long> bytesSentByTransport() {
        return sums(bytesOutByTransport);
    }

    private static java.util.Map<String, Long> sums(ConcurrentHashMap<String, java.util.concurrent.atomic.LongAdder> map) {
        java.util.Map<String, Long> out = new java.util.TreeMap<>();
        map.forEach((t, n) -> out.put(t, n.sum()));
        return out;
    }

    /** {@code switchboard_limit_hits_total} by limit name, as the scrape shows it (the admin snapshot). */
    public java.util.Map<String, Long> limitHitCounts() {
        java.util.Map<String, Long> out = new java.util.TreeMap<>();
        for (io.micrometer.core.instrument.Meter m : registry.find("switchboard_limit_hits").meters()) {
            double n = m instanceof Counter c ? c.count() : m instanceof FunctionCounter f ? f.count() : 0;
            out.merge(m.getId().getTag("limit"), (long) n, Long::sum);
        }
        return out;
    }

    public long uptimeSeconds() {
        return (System.nanoTime() - startNanos) / 1_000_000_000L;
    }

    /**
     * An HTTP connection cut for a client that does not read: {@code stream} tells an event stream
     * from a connection of single responses, {@code reason} is {@code pending_bytes} or {@code write_deadline}.
     */
    public void slowHttpReaderCut(boolean stream, String reason) {
        slowHttpReadersCut.get((stream ? "stream" : "single") + "/" + reason).increment();
    }

    /** An HTTP request refused for its {@code host} or its {@code origin} header (DNS rebinding, cross-site WebSocket). */
    public void httpRefused(String reason) {
        httpRefused.get(reason).increment();
    }

    /** A failed TLS connection: {@code handshake} (a bad or aborted handshake) or {@code plaintext}. */
    public void tlsRefused(String reason) {
        tlsRefused.get(reason).increment();
    }

    /**
     * One finished HTTP request: dflockd's series and Switchboard's histogram. {@code route} must
     * be a route pattern (or {@code unmatched}), never a raw path, so that the series stay few.
     * The histogram has a short fixed set of buckets and counts statuses by class: with
     * Micrometer's percentile histogram (some 70 buckets) for every route and status, a scrape
     * grew to hundreds of kilobytes after a few dozen requests.
     */
    public void httpRequest(String method, String route, int status, long nanos) {
        String m = METHODS.contains(method) ? method : "OTHER";
        String s = String.valueOf(status);
        Counter.builder("dflockd_http_requests").tags("method", m, "path", route, "status", s).register(registry).increment();
        Timer.builder("dflockd_http_request_duration").tags("method", m, "path", route, "status", s)
                .register(registry).record(nanos, TimeUnit.NANOSECONDS);
        Timer.builder("switchboard_http_request_duration").tags("method", m, "route", route, "status", statusClass(status))
                .serviceLevelObjectives(DURATION_BUCKETS)
                .register(registry).record(nanos, TimeUnit.NANOSECONDS);
    }

    /** How long a scrape waits for the lock engine's stats before rendering without refreshing them. */
    static final long STATS_WAIT_MS = 1_000;

    /** {@code 2xx}, {@code 4xx}, ...; anything outside 100–599 is {@code other}. */
    static String statusClass(int status) {
        return status >= 100 && status <= 599 ? (status / 100) + "xx" : "other";
    }

    /**
     * Refreshes the lock gauges from a stats snapshot, then renders the Prometheus text format. A
     * lock engine that cannot answer within {@link #STATS_WAIT_MS} (a cluster's, while etcd is
     * unreachable) leaves the lock gauges at their last values: a scrape never fails or waits
     * longer for them, since it is how an operator sees the outage.
     */
    public CompletableFuture<String> scrape() {
        return core.locks().stats().handle((stats, failure) -> stats)
                .completeOnTimeout(null, STATS_WAIT_MS, TimeUnit.MILLISECONDS)
                .thenApply(stats -> {
            if (stats == null) return registry.scrape();
            long held = 0;
            long waiters = 0;
            for (LockStats.LockInfo l : stats.locks()) {
                if (l.ownerId() != 0) held++;
                waiters += l.waiters();
            }
            long semHolders = 0;
            long semWaiters = 0;
            for (LockStats.SemaphoreInfo s : stats.semaphores()) {
                semHolders += s.holders();
                semWaiters += s.waiters();
            }
            locksHeld.set(held);
            lockWaiters.set(waiters);
            semaphoreHolders.set(semHolders);
            semaphoreWaiters.set(semWaiters);
            return registry.scrape();
        });
    }

    public static String contentType() {
        return "text/plain; version=0.0.4; charset=utf-8".toLowerCase(Locale.ROOT);
    }
}
