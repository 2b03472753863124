package dev.switchboard.server;

import dev.switchboard.core.SwitchboardCore;
import dev.switchboard.core.lock.LockTableConfig;
import dev.switchboard.core.session.Session;
import dev.switchboard.core.session.SessionRegistry;
import dev.switchboard.core.session.store.SessionRecord;
import dev.switchboard.server.store.FileSessionStore;
import dev.switchboard.server.limits.Limits;
import dev.switchboard.server.webhook.HookUrls;
import dev.switchboard.server.webhook.OutboundHttp;
import dev.switchboard.server.webhook.WebhookTarget;
import dev.switchboard.server.metrics.NodeMetrics;
import dev.switchboard.server.metrics.TrafficCounter;
import dev.switchboard.server.transport.IoTransport;
import dev.switchboard.server.transport.ServerContext;
import dev.switchboard.server.transport.http.HttpPipeline;
import dev.switchboard.server.transport.http.HttpServices;
import dev.switchboard.server.transport.detect.ConnectionLimiter;
import dev.switchboard.server.transport.detect.ProtocolDetector;
import dev.switchboard.server.transport.tls.TlsContexts;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.ssl.SslContext;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Wires the core to the Netty listener and runs the node's lifecycle: start, drain, stop. */
final class SwitchboardNode {
    private static final Logger log = LoggerFactory.getLogger(SwitchboardNode.class);

    private final SwitchboardConfig config;
    private final SwitchboardCore core;
    private final ServerContext context;
    private final NodeMetrics metrics;
    private final dev.switchboard.server.embed.EmbeddingRuntime embedding;
    private final HttpServices http;
    /** The I/O transport of every event loop and channel below (--io-transport). */
    private final IoTransport io;
    private final EventLoopGroup bossGroup;
    private final EventLoopGroup workerGroup;
    private final OutboundHttp outbound;
    private final ChannelGroup connections = new DefaultChannelGroup("connections", GlobalEventExecutor.INSTANCE);
    private final dev.switchboard.core.session.store.SessionStore sessionStore;
    private final dev.switchboard.server.transport.acomm.Acomm acomm;
    private final boolean ownsSessionStore;
    /** The cluster engines this node made from its cluster settings, or null when it runs alone. */
    private final dev.switchboard.cluster.ClusterEngines cluster;
    private Channel listener;
    private Channel httpListener;
    private Channel unixListener;
    private InetSocketAddress address;
    private InetSocketAddress httpAddress;
    private boolean closed;

    private SwitchboardNode(SwitchboardConfig config, SwitchboardCore core, SslContext ssl,
                            dev.switchboard.core.session.store.SessionStore store, boolean ownsStore,
                            dev.switchboard.cluster.ClusterEngines cluster) {
        this.config = config;
        this.core = core;
        this.cluster = cluster;
        this.sessionStore = store;
        this.ownsSessionStore = ownsStore;
        this.context = new ServerContext(config, core, ssl);
        this.metrics = new NodeMetrics(core, () -> !context.draining() && context.engineTrouble() == null);
        if (cluster != null) {
            context.engineTrouble(() -> cluster.health().notReadyReason());
            metrics.cluster(cluster.health());
            metrics.clusterEngines(cluster);
            cluster.onLimitHit(metrics::limitHit);
        }
        context.onLimitHit(metrics::limitHit);
        metrics.slowConsumerDrops(context);
        metrics.tokens(context.tokenExpiry());
        core.sessions().onLimitHit(metrics::limitHit);
        core.rpc().onLimitHit(metrics::limitHit);
        core.presence().onLimitHit(metrics::limitHit);
        core.topicWatches().onLimitHit(metrics::limitHit);
        core.directMessages().onLimitHit(metrics::limitHit);
        this.embedding = new dev.switchboard.server.embed.EmbeddingRuntime(config.embeddingHooks(), core.sessions(),
                config.autoReleaseOnDisconnect(), config.maxFrameBytes(),
                () -> metrics.limitHit(dev.switchboard.server.limits.Limits.HOOK_QUEUE_SIZE.name()), metrics::hookFailed);
        context.embedding(embedding);
        if (cluster != null && config.embeddingHooks().sessionLookup() == null && cluster.sessionLookup() != null) {
            embedding.lookUpMissingWith(cluster.sessionLookup()); // a client whose node died resumes here
        }
        this.http = new HttpServices(context, metrics);
        this.io = config.ioTransport();
        this.bossGroup = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("switchboard-accept"),
                io.ioHandlerFactory());
        // One loop per core, not Netty's two: a publish fans out on the loop that reads it, and
        // every extra loop on a busy core turns deliveries into task hand-offs between threads
        // (measured in docs/benchmarks.md, "Fan-out, round 5").
        this.workerGroup = new MultiThreadIoEventLoopGroup(config.ioThreads(), new DefaultThreadFactory("switchboard-io"),
                io.ioHandlerFactory());
        this.outbound = webhooks(config, core, workerGroup, io, metrics);
        this.acomm = new dev.switchboard.server.transport.acomm.Acomm(config.acommSettings(), core, workerGroup, io,
                outbound, context::limitHit);
        context.acomm(acomm);
        metrics.acomm(acomm);
        if (config.relay().enabled()) {
            context.relay(new dev.switchboard.server.transport.relay.RelayService(config.relay(), core, context.relayStats(),
                    () -> config.host() + ":" + (address != null ? address.getPort() : config.port()), ssl != null));
        }
        metrics.relay(context.relayStats());
    }

    /** Webhook targets and URL response hooks, over one outbound HTTP client on the node's event loops. */
    private static OutboundHttp webhooks(SwitchboardConfig config, SwitchboardCore core, EventLoopGroup loops,
                                         IoTransport io, NodeMetrics metrics) {
        OutboundHttp http = new OutboundHttp(loops, io, new OutboundHttp.Settings(
                java.time.Duration.ofMillis(config.webhookConnectTimeoutMs()), config.webhookMaxInFlight(),
                config.webhookMaxResponseBytes()), () -> metrics.limitHit(Limits.WEBHOOK_MAX_IN_FLIGHT.name()));
        java.time.Duration postTimeout = java.time.Duration.ofMillis(config.rpcDefaultTimeoutMs());
        WebhookTarget webhooks = new WebhookTarget(config.rpcWebhooks(), http, core.rpc().tracker(), core.clock(), postTimeout);
        core.rpc().useWebhooks(webhooks);
        core.rpc().useUrlHooks(new HookUrls(config.rpcHookUrlAllow(), http, postTimeout));
        metrics.webhooks(webhooks, core.rpc().hooks(), http);
        return http;
    }

    static SwitchboardNode start(SwitchboardConfig config) {
        SslContext ssl = config.tlsEnabled() ? TlsContexts.server(config.tlsCert(), config.tlsKey()) : null;
        dev.switchboard.cluster.ClusterEngines cluster = joinCluster(config);
        try {
            return start(config, ssl, cluster);
        } catch (RuntimeException e) {
            if (cluster != null) cluster.close();
            throw e;
        }
    }

    /** The cluster engines of the node's cluster settings (connected), or null when it runs alone. */
    private static dev.switchboard.cluster.ClusterEngines joinCluster(SwitchboardConfig config) {
        if (config.cluster() == null) return null;
        try {
            dev.switchboard.cluster.ClusterEngines engines = dev.switchboard.cluster.ClusterEngines.connect(
                    config.cluster().withEngines(config.clusterEngines()));
            log.info("joined the cluster: {}", config.cluster());
            return engines;
        } catch (java.io.IOException e) {
            throw new IllegalStateException("cannot reach NATS at " + config.cluster().nats().urls() + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while connecting to the cluster", e);
        }
    }

    private static SwitchboardNode start(SwitchboardConfig config, SslContext ssl, dev.switchboard.cluster.ClusterEngines cluster) {
        SwitchboardCore core = new SwitchboardCore(new SwitchboardCore.Settings(
                new LockTableConfig(config.maxLocks(), config.maxWaiters(), config.leaseSweepInterval(),
                        config.gcInterval(), config.gcMaxIdle(), config.lockMailboxSize()),
                config.defaultLeaseTtl().toMillis(), config.maxSubscriptions(), config.effectiveFenceStateFile(),
                new SessionRegistry.Lifecycle(config.sessionGrace().toMillis(), config.maxConnectionsPerSession(),
                        config.replayBufferMessages(), config.autoReleaseOnDisconnect(), config.maxSessions(),
                        config.maxSessionsPerIp(), config.replayBufferBytes(), config.sessionKeys(),
                        config.httpSessionIdleTimeout().toMillis(), config.httpMaxSessions(), config.httpMaxSessionsPerIp(),
                        config.maxRequestsInFlight(), config.replayTotalBytes(), config.sessionMailboxSize()),
                config.rpcSettings(),
                new dev.switchboard.core.pubsub.TopicHistories.Settings(config.topicHistory(), config.topicHistoryMaxBytes(),
                        config.topicHistoryMaxTopics())), config.clock(), cluster != null ? cluster : config.engines());
        core.presence().settings(config.presenceSettings());
        core.topicWatches().settings(config.topicPresenceMaxWatchesPerSession(), config.presenceMaxQueuedPerWatch());
        core.directMessages().settings(config.relaySettings());
        dev.switchboard.core.session.store.SessionStore store = config.sessionStore();
        boolean ownsStore = false;
        if (store == null && config.dataDir() != null) {
            try {
                store = FileSessionStore.open(config.dataDir());
                ownsStore = true;
            } catch (java.io.IOException | RuntimeException e) {
                core.close();
                throw new IllegalStateException("cannot open the session store in " + config.dataDir() + ": " + e.getMessage(), e);
            }
        }
        SwitchboardNode node = new SwitchboardNode(config, core, ssl, store, ownsStore, cluster);
        try {
            node.restoreSessions();
            node.bind();
        } catch (RuntimeException e) {
            node.shutdownNow();
            throw e;
        }
        return node;
    }

    private void bind() {
        ConnectionLimiter limiter = new ConnectionLimiter(config.maxConnections(), config.maxConnectionsPerIp(), context::limitHit);
        TrafficCounter traffic = new TrafficCounter(metrics);
        ServerBootstrap b = bootstrap(ch -> {
            ch.pipeline().addLast("traffic", traffic);
            ch.pipeline().addLast("limit", limiter);
            ch.pipeline().addLast("detect", new ProtocolDetector(context, http, metrics, false));
        });
        ChannelFuture f = b.bind(config.host(), config.port()).awaitUninterruptibly();
        if (!f.isSuccess()) {
            throw new IllegalStateException("cannot listen on " + config.host() + ":" + config.port() + ": "
                    + f.cause().getMessage(), f.cause());
        }
        listener = f.channel();
        address = (InetSocketAddress) listener.localAddress();
        if (config.httpPort() > 0) {
            bindHttpOnly(limiter, traffic);
        }
        if (config.unixSocket() != null) {
            bindUnixSocket(limiter, traffic);
        }
        log.info("listening on {} (dflockd lines, native JSON, HTTP{}; I/O transport {})", address,
                context.sslContext() != null ? ", TLS required" : "", io.optionValue());
        if (!address.getAddress().isLoopbackAddress() && (config.maxConnections() == 0 || config.authToken() == null)) {
            log.warn("listening beyond loopback with {}; consider --auth-token and --max-connections",
                    config.authToken() == null ? "no auth token" : "no connection cap");
        }
    }

    /** dflockd's separate HTTP listener (--http-port): HTTP only, no detection, TLS when configured. */
    private void bindHttpOnly(ConnectionLimiter limiter, TrafficCounter traffic) {
        ServerBootstrap b = bootstrap(ch -> {
            ch.pipeline().addLast("traffic", traffic);
            ch.pipeline().addLast("limit", limiter);
            String last = "limit";
            metrics.connectionOpened(ch, "http");
            if (context.sslContext() != null) {
                ch.pipeline().addLast("tls", TlsContexts.handler(context.sslContext(), ch.alloc()));
                last = "tls";
            }
            HttpPipeline.install(ch.pipeline(), last, context, http);
        });
        ChannelFuture f = b.bind(config.httpHost(), config.httpPort()).awaitUninterruptibly();
        if (!f.isSuccess()) {
            listener.close();
            throw new IllegalStateException("cannot listen on " + config.httpHost() + ":" + config.httpPort()
                    + " (--http-port): " + f.cause().getMessage(), f.cause());
        }
        httpListener = f.channel();
        httpAddress = (InetSocketAddress) httpListener.localAddress();
        log.info("HTTP also on {} (--http-port)", httpAddress);
    }

    /** A TCP listener on the node's event loops whose connections are tracked and set up by {@code init}. */
    private ServerBootstrap bootstrap(java.util.function.Consumer<Channel> init) {
        return new ServerBootstrap()
                .group(bossGroup, workerGroup)
                .channel(io.serverSocketChannel())
                .option(ChannelOption.SO_BACKLOG, 1024)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(tracked(init));
    }

    private ChannelInitializer<Channel> tracked(java.util.function.Consumer<Channel> init) {
        return new ChannelInitializer<>() {
            @Override
            protected void initChannel(Channel ch) {
                connections.add(ch);
                context.connectionId(ch); // every accepted connection is numbered, as in dflockd
                init.accept(ch);
            }
        };
    }

    /**
     * The Unix domain socket listener: the same protocols as the TCP port, for local programs
     * (access is the socket file's permissions). A stale socket file left by a crash is replaced.
     */
    private void bindUnixSocket(ConnectionLimiter limiter, TrafficCounter traffic) {
        java.nio.file.Path path = config.unixSocket().toAbsolutePath();
        try {
            if (java.nio.file.Files.exists(path, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                var attrs = java.nio.file.Files.readAttributes(path, java.nio.file.attribute.BasicFileAttributes.class,
                        java.nio.file.LinkOption.NOFOLLOW_LINKS);
                if (!attrs.isOther()) {
                    throw new IllegalStateException(path + " exists and is not a socket");
                }
                java.nio.file.Files.delete(path);
            }
        } catch (java.io.IOException e) {
            throw new IllegalStateException("cannot replace " + path + ": " + e.getMessage(), e);
        }
        ServerBootstrap b = new ServerBootstrap()
                .group(bossGroup, workerGroup)
                .channel(io.serverDomainSocketChannel())
                .childHandler(tracked(ch -> {
                    ch.pipeline().addLast("traffic", traffic);
                    ch.pipeline().addLast("limit", limiter);
                    ch.pipeline().addLast("detect", new ProtocolDetector(context, http, metrics, false));
                }));
        ChannelFuture f = b.bind(io.unixAddress(path)).awaitUninterruptibly();
        if (!f.isSuccess()) {
            listener.close();
            if (httpListener != null) httpListener.close();
            throw new IllegalStateException("cannot listen on " + path + ": " + f.cause().getMessage(), f.cause());
        }
        unixListener = f.channel();
        log.info("also listening on the Unix socket {}", path);
    }

    /** The --http-port listener's address, or null. */
    InetSocketAddress httpAddress() {
        return httpAddress;
    }

    /** Sessions saved by the last graceful stop come back detached, waiting for their clients. */
    private void restoreSessions() {
        if (sessionStore == null) return;
        int restored = 0;
        for (SessionRecord r : sessionStore.loadAll()) {
            // Identities are not saved: nothing is allowed until the client is known again.
            core.sessions().restore(r).identity(dev.switchboard.core.identity.Identity.RESTORED);
            // Live in memory now; a crash before the next graceful stop must not bring it back stale.
            sessionStore.remove(r.id());
            restored++;
        }
        if (restored > 0) log.info("restored {} sessions; native ones wait {} s for a resume, HTTP ones until idle", restored,
                config.sessionGrace().toSeconds());
    }

    /** On a graceful stop, the resumable sessions are saved so that their clients can resume after the restart. */
    private void saveSessions() {
        if (sessionStore == null) return;
        int saved = 0;
        for (Session s : core.sessions().resumable()) {
            try {
                sessionStore.save(core.sessions().snapshot(s));
                saved++;
            } catch (RuntimeException e) {
                log.warn("could not save session {}: {}", s.id(), e.getMessage());
            }
        }
        sessionStore.flush();
        log.info("saved {} sessions for the next start", saved);
    }

    SwitchboardCore core() {
        return core;
    }

    dev.switchboard.server.embed.EmbeddingRuntime embedding() {
        return embedding;
    }

    SwitchboardConfig config() {
        return config;
    }

    InetSocketAddress address() {
        return address;
    }

    synchronized void drain() {
        if (context.draining()) return;
        context.startDraining();
        core.rpc().tracker().startDraining(); // new calls: shutting_down; calls in flight go on
        log.info("draining: no new connections; open connections get a draining error on their next request");
        if (listener != null) listener.close().awaitUninterruptibly();
        if (httpListener != null) httpListener.close().awaitUninterruptibly();
        if (unixListener != null) {
            unixListener.close().awaitUninterruptibly();
            try {
                java.nio.file.Files.deleteIfExists(config.unixSocket().toAbsolutePath());
            } catch (java.io.IOException e) {
                log.debug("could not remove {}: {}", config.unixSocket(), e.getMessage());
            }
        }
    }

    boolean isDraining() {
        return context.draining();
    }

    synchronized void close() {
        if (closed) return;
        drain();
        long timeoutMs = config.shutdownTimeout().toMillis();
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        // Wait for answers still owed (a blocking acquire, say), not for idle connections.
        // Calls whose outcome goes to a response hook have no request waiting, and those of acomm
        // requests belong to no session (requestsInFlight misses both): they are waited for too.
        while ((context.requestsInFlight() > 0 || core.rpc().tracker().inFlight() > 0)
                && (timeoutMs == 0 || System.nanoTime() < deadline)) {
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        if (context.requestsInFlight() > 0) {
            log.warn("shutdown timeout reached with {} requests unanswered; closing anyway", context.requestsInFlight());
        }
        // Their callers hear why, before their connections close.
        int failed = core.rpc().tracker().failAll();
        if (failed > 0) log.info("{} request/reply calls still in flight failed shutting_down", failed);
        acomm.awaitDeliveries(java.time.Duration.ofMillis(config.acommHookTimeoutMs())); // their hooks hear it too
        saveSessions();
        shutdownNow();
        log.info("stopped");
    }

    private void shutdownNow() {
        closed = true;
        context.startStopping();
        connections.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
        http.close();
        outbound.close();
        acomm.close();
        if (sessionStore != null && ownsSessionStore) sessionStore.close();
        bossGroup.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        workerGroup.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
        embedding.close(); // after the I/O threads: every connection's disconnect hook is queued by now
        core.close();
        if (cluster != null) cluster.close(); // last: the core's engines used its connections until now
    }
}
