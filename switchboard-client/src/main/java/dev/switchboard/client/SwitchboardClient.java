package dev.switchboard.client;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * A connection to a Switchboard server speaking the native JSON protocol (version 1).
 *
 * <pre>{@code
 * try (SwitchboardClient client = SwitchboardClient.connect("127.0.0.1", 6388);
 *      Lock lock = client.lock("orders")) {
 *     if (lock.acquire(Duration.ofSeconds(5))) {
 *         write(lock.fence().getAsLong());
 *     }
 * }
 * }</pre>
 *
 * <p>Thread-safe. Requests are pipelined on one connection and matched to their answers by id, so
 * a blocking acquire does not hold up other calls. Every operation has an {@code ...Async} form
 * returning a {@link CompletableFuture}, completed on the connection's I/O thread (do not block in
 * its callbacks), and a blocking form. A lock wait that runs out is a normal outcome
 * ({@link Optional#empty()}); server errors are {@link SwitchboardException} subclasses, and when
 * the connection drops every request in flight fails at once with {@link ConnectionClosedException}.
 *
 * <p>A session lives as long as its connection: closing the client releases everything it holds.
 */
public final class SwitchboardClient implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SwitchboardClient.class);
    private static final int PROTOCOL_VERSION = 1;

    private final Connection connection;
    private final EventLoopGroup ownedGroup;
    private final Duration requestTimeout;
    private final Executor callbackExecutor;
    private final AtomicBoolean closeCalled = new AtomicBoolean();
    private volatile Welcome welcome;

    /** What the server said in {@code welcome}. */
    private record Welcome(String sessionId, int protocol, String server, Duration heartbeat, ServerLimits limits) {
    }

    private SwitchboardClient(Connection connection, EventLoopGroup ownedGroup, Builder b) {
        this.connection = connection;
        this.ownedGroup = ownedGroup;
        this.requestTimeout = b.requestTimeout;
        this.callbackExecutor = b.callbackExecutor;
    }

    /** Connects with default settings and does the handshake. */
    public static SwitchboardClient connect(String host, int port) {
        return builder().host(host).port(port).connect();
    }

    public static Builder builder() {
        return new Builder();
    }

    // ---------------------------------------------------------------- session information

    /** The session id the server assigned (32 lowercase hex). */
    public String sessionId() {
        return welcome.sessionId();
    }

    public int protocolVersion() {
        return welcome.protocol();
    }

    /** The server's {@code switchboard/<version>} string. */
    public String serverVersion() {
        return welcome.server();
    }

    /** How often the server pings an idle connection; zero when heartbeats are off. */
    public Duration heartbeatInterval() {
        return welcome.heartbeat();
    }

    public ServerLimits limits() {
        return welcome.limits();
    }

    public boolean isConnected() {
        return connection.isOpen();
    }

    /** Completes (with the reason) when the connection ends, for whatever cause. */
    public CompletableFuture<ConnectionClosedException> closeFuture() {
        return connection.closeFuture().thenApply(e -> e);
    }

    /** The client-side limit on waiting for an answer; blocking operations add their own wait to it. */
    public Duration requestTimeout() {
        return requestTimeout;
    }

    // ---------------------------------------------------------------- locks and semaphores

    /** A lock helper with the default options (server default lease, background renewal). */
    public Lock lock(String key) {
        return new Lock(this, Resource.lock(key), LockOptions.defaults());
    }

    public Lock lock(String key, LockOptions options) {
        return new Lock(this, Resource.lock(key), options);
    }

    /** A semaphore helper; every user of {@code key} must pass the same {@code limit}. */
    public Lock semaphore(String key, int limit) {
        return new Lock(this, Resource.semaphore(key, limit), LockOptions.defaults());
    }

    public Lock semaphore(String key, int limit, LockOptions options) {
        return new Lock(this, Resource.semaphore(key, limit), options);
    }

    /**
     * Waits up to {@code timeout} for a slot ({@code lock.acquire}/{@code sem.acquire}).
     *
     * @param lease the lease to ask for; null = the server's default
     * @return the grant, or empty when the wait ran out
     */
    public CompletableFuture<Optional<Grant>> acquireAsync(Resource resource, Duration timeout, Duration lease) {
        long timeoutMs = nonNegativeMillis(timeout, "timeout");
        ObjectNode msg = resourceMessage(resource, "acquire");
        msg.put("timeout_ms", timeoutMs);
        putLease(msg, lease);
        return derive(connection.request(msg, requestTimeout.plusMillis(timeoutMs), releaseLateGrant(resource)),
                result -> Replies.grantOrTimeout(resource, result));
    }

    public Optional<Grant> acquire(Resource resource, Duration timeout, Duration lease) {
        return await(acquireAsync(resource, timeout, lease));
    }

    public Optional<Grant> acquire(Resource resource, Duration timeout) {
        return acquire(resource, timeout, null);
    }

    /** Takes a free slot or returns empty at once (an acquire with timeout 0). */
    public CompletableFuture<Optional<Grant>> tryAcquireAsync(Resource resource, Duration lease) {
        return acquireAsync(resource, Duration.ZERO, lease);
    }

    public Optional<Grant> tryAcquire(Resource resource, Duration lease) {
        return await(tryAcquireAsync(resource, lease));
    }

    public Optional<Grant> tryAcquire(Resource resource) {
        return tryAcquire(resource, null);
    }

    /**
     * First phase of a two-phase acquire: joins the queue without waiting, or takes the slot at
     * once (its lease then runs already). Follow a queued result with {@link #awaitGrant}.
     */
    public CompletableFuture<EnqueueResult> enqueueAsync(Resource resource, Duration lease) {
        ObjectNode msg = resourceMessage(resource, "enqueue");
        putLease(msg, lease);
        return derive(connection.request(msg, requestTimeout, releaseLateGrant(resource)),
                result -> Replies.enqueue(resource, result));
    }

    public EnqueueResult enqueue(Resource resource, Duration lease) {
        return await(enqueueAsync(resource, lease));
    }

    public EnqueueResult enqueue(Resource resource) {
        return enqueue(resource, null);
    }

    /**
     * Second phase: waits up to {@code timeout} for the slot enqueued earlier on this connection
     * ({@code lock.wait}/{@code sem.wait}); the lease restarts at the grant. A wait that runs out
     * leaves the queue. Named {@code awaitGrant} because {@code wait} belongs to {@link Object}.
     */
    public CompletableFuture<Optional<Grant>> awaitGrantAsync(Resource resource, Duration timeout) {
        long timeoutMs = nonNegativeMillis(timeout, "timeout");
        ObjectNode msg = resourceMessage(resource, "wait");
        msg.put("timeout_ms", timeoutMs);
        return derive(connection.request(msg, requestTimeout.plusMillis(timeoutMs), releaseLateGrant(resource)),
                result -> Replies.grantOrTimeout(resource, result));
    }

    public Optional<Grant> awaitGrant(Resource resource, Duration timeout) {
        return await(awaitGrantAsync(resource, timeout));
    }

    /**
     * Extends a grant's lease to {@code lease} from now.
     *
     * @param lease null = the server's default lease (not the lease of the grant, as in dflockd)
     * @return the lease that now applies
     */
    public CompletableFuture<Duration> renewAsync(Resource resource, String token, Duration lease) {
        ObjectNode msg = resourceMessage(resource, "renew");
        msg.put("token", Objects.requireNonNull(token, "token"));
        putLease(msg, lease);
        return connection.request(msg, requestTimeout, null).thenApply(Replies::renewedLease);
    }

    public Duration renew(Resource resource, String token, Duration lease) {
        return await(renewAsync(resource, token, lease));
    }

    /** Renews for the same lease the grant carries. */
    public Duration renew(Grant grant) {
        return renew(grant.resource(), grant.token(), grant.lease());
    }

    /** Frees the slot held by {@code token} (any session may release a token it knows). */
    public CompletableFuture<Void> releaseAsync(Resource resource, String token) {
        ObjectNode msg = resourceMessage(resource, "release");
        msg.put("token", Objects.requireNonNull(token, "token"));
        return connection.request(msg, requestTimeout, null).thenApply(result -> null);
    }

    public void release(Resource resource, String token) {
        await(releaseAsync(resource, token));
    }

    public void release(Grant grant) {
        release(grant.resource(), grant.token());
    }

    // ---------------------------------------------------------------- misc operations

    /** The server's stats object (same shape as dflockd's {@code stats}). */
    public CompletableFuture<JsonNode> statsAsync() {
        return connection.request(connection.newMessage("stats"), requestTimeout, null);
    }

    public JsonNode stats() {
        return await(statsAsync());
    }

    /** Round trip to the server; completes with the measured time. */
    public CompletableFuture<Duration> pingAsync() {
        long start = System.nanoTime();
        return connection.request(connection.newMessage("ping"), requestTimeout, null)
                .thenApply(pong -> Duration.ofNanos(System.nanoTime() - start));
    }

    public Duration ping() {
        return await(pingAsync());
    }

    /**
     * Ends the session ({@code session.close}, so the server releases what it held at once rather
     * than after its grace period) and closes the connection. Idempotent.
     */
    @Override
    public void close() {
        if (!closeCalled.compareAndSet(false, true)) {
            return;
        }
        connection.failInFlight(new ConnectionClosedException("client closed", null));
        if (connection.isOpen() && !connection.inEventLoop()) {
            try {
                connection.request(connection.newMessage("session.close"), Duration.ofSeconds(2), r -> { })
                        .get(2, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (Exception e) {
                log.debug("session.close was not answered; the server ends the session after its grace period", e);
            }
        }
        CompletableFuture<Void> closing = connection.close();
        try {
            // On the I/O thread the close runs inline; waiting there would only block it.
            if (!connection.inEventLoop()) {
                closing.get(5, TimeUnit.SECONDS);
                // The channel's close completes before its inactive event fails the requests in
                // flight; wait for that too, so that close() returns with every request answered.
                connection.closeFuture().get(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            log.debug("closing the connection failed", e);
        }
        if (ownedGroup != null && !ownedGroup.isShuttingDown()) {
            // Quiet period 0: nothing else runs on a group this client owns.
            ownedGroup.shutdownGracefully(0, 2, TimeUnit.SECONDS);
        }
    }

    // ---------------------------------------------------------------- internals used by Lock

    Executor callbackExecutor() {
        return callbackExecutor;
    }

    /** Runs {@code task} on the connection's event loop after {@code delay}: no thread per lock. */
    ScheduledFuture<?> schedule(Runnable task, Duration delay) {
        return connection.eventLoop().schedule(task, Math.max(0, delay.toMillis()), TimeUnit.MILLISECONDS);
    }

    void addCloseListener(Consumer<ConnectionClosedException> listener) {
        connection.addCloseListener(listener);
    }

    void removeCloseListener(Consumer<ConnectionClosedException> listener) {
        connection.removeCloseListener(listener);
    }

    /**
     * Unwraps a future for the blocking API. Refuses to run on the connection's own I/O thread,
     * where waiting for an answer that thread must read would hang forever.
     */
    <T> T await(CompletableFuture<T> future) {
        if (connection.inEventLoop()) {
            throw new IllegalStateException("blocking call on the client's I/O thread would deadlock; use the async method");
        }
        try {
            return future.get();
        } catch (InterruptedException e) {
            // The late-result hook hands back a grant that arrives after we gave up.
            future.cancel(false);
            Thread.currentThread().interrupt();
            throw new SwitchboardException("interrupted", "interrupted while waiting for the server", e);
        } catch (ExecutionException e) {
            throw unwrap(e.getCause());
        } catch (CancellationException e) {
            throw new SwitchboardException("cancelled", "the request was cancelled", e);
        }
    }

    static RuntimeException unwrap(Throwable t) {
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        if (t instanceof RuntimeException re) {
            return re;
        }
        return new SwitchboardException("internal", String.valueOf(t), t);
    }

    /**
     * Maps an answer, passing a cancel of the result back to the request, so the request's
     * late-result hook knows the caller is gone and hands back a grant that still arrives.
     */
    private static <T> CompletableFuture<T> derive(CompletableFuture<JsonNode> request, Function<JsonNode, T> fn) {
        CompletableFuture<T> derived = request.thenApply(fn);
        derived.whenComplete((r, e) -> {
            if (derived.isCancelled()) {
                request.cancel(false);
            }
        });
        return derived;
    }

    private ObjectNode resourceMessage(Resource resource, String op) {
        ObjectNode msg = connection.newMessage(resource.kind().op(op));
        msg.put("key", resource.key());
        // Sent on every sem.* operation, not only acquire/enqueue: harmless where the server
        // does not need it, and required by a strict reading of "same fields plus limit".
        if (resource.isSemaphore()) {
            msg.put("limit", resource.limit());
        }
        return msg;
    }

    private static void putLease(ObjectNode msg, Duration lease) {
        if (lease != null) {
            long ms = lease.toMillis();
            if (ms < 1) {
                throw new IllegalArgumentException("lease must be at least 1 ms, got " + lease);
            }
            msg.put("lease_ms", ms);
        }
    }

    private static long nonNegativeMillis(Duration d, String name) {
        Objects.requireNonNull(d, name);
        if (d.isNegative()) {
            throw new IllegalArgumentException(name + " must not be negative, got " + d);
        }
        return d.toMillis();
    }

    /**
     * A grant that arrives after the caller stopped waiting (request timeout, cancel, interrupt)
     * would hold the slot until its lease ends or the session closes, blocking everyone queued
     * behind it. Nobody can use it, so give it back.
     */
    private Consumer<JsonNode> releaseLateGrant(Resource resource) {
        return result -> {
            if (Replies.isGrant(result)) {
                String token = Replies.token(result);
                log.debug("releasing {} granted after its caller gave up", resource);
                releaseAsync(resource, token).exceptionally(e -> null);
            }
        };
    }

    private CompletableFuture<SwitchboardClient> handshake(Builder b) {
        ObjectNode hello = connection.newMessage("hello");
        hello.put("version", PROTOCOL_VERSION);
        if (b.authToken != null) {
            hello.put("token", b.authToken);
        }
        hello.put("client", b.clientName);
        return connection.request(hello, b.connectTimeout, null).thenApply(msg -> {
            welcome = new Welcome(
                    msg.path("session").asString(""),
                    (int) msg.path("protocol").asLong(PROTOCOL_VERSION),
                    msg.path("server").asString(""),
                    Duration.ofMillis(msg.path("heartbeat_ms").asLong(0)),
                    Replies.limits(msg.path("limits")));
            connection.watchHeartbeats(welcome.heartbeat());
            return this;
        });
    }

    /** Settings for a client; {@link #connect()} opens the connection and does the handshake. */
    public static final class Builder {
        private String host = "127.0.0.1";
        private int port = 6388;
        private String authToken;
        private Duration connectTimeout = Duration.ofSeconds(10);
        private Duration requestTimeout = Duration.ofSeconds(30);
        private String clientName = "switchboard-java/0.1";
        private EventLoopGroup eventLoopGroup;
        private Executor callbackExecutor = ForkJoinPool.commonPool();
        private int maxInboundFrameBytes = 16 << 20;

        private Builder() {
        }

        public Builder host(String host) {
            this.host = Objects.requireNonNull(host, "host");
            return this;
        }

        public Builder port(int port) {
            this.port = port;
            return this;
        }

        /** The server's shared token ({@code --auth-token}); null = none. */
        public Builder authToken(String token) {
            this.authToken = token;
            return this;
        }

        /** Covers the TCP connect and the hello/welcome handshake together. */
        public Builder connectTimeout(Duration timeout) {
            this.connectTimeout = positive(timeout, "connectTimeout");
            return this;
        }

        /**
         * How long to wait for any answer; acquire and wait add their own timeout to it, so a
         * long lock wait is never cut short by this.
         */
        public Builder requestTimeout(Duration timeout) {
            this.requestTimeout = positive(timeout, "requestTimeout");
            return this;
        }

        /** Sent in {@code hello} for the server's logs. */
        public Builder clientName(String name) {
            this.clientName = Objects.requireNonNull(name, "clientName");
            return this;
        }

        /**
         * Runs the connection on a group the caller owns (and shuts down), so many clients can
         * share a few threads. By default each client owns a one-thread group.
         */
        public Builder eventLoopGroup(EventLoopGroup group) {
            this.eventLoopGroup = group;
            return this;
        }

        /** Where lock-lost callbacks run, off the I/O thread so they may block. */
        public Builder callbackExecutor(Executor executor) {
            this.callbackExecutor = Objects.requireNonNull(executor, "callbackExecutor");
            return this;
        }

        /** Cap on one server message; a longer one closes the connection. */
        public Builder maxInboundFrameBytes(int bytes) {
            if (bytes < 256) {
                throw new IllegalArgumentException("maxInboundFrameBytes must be at least 256");
            }
            this.maxInboundFrameBytes = bytes;
            return this;
        }

        /** Connects and does the handshake, blocking; throws the handshake's error on failure. */
        public SwitchboardClient connect() {
            try {
                return connectAsync().get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new SwitchboardException("interrupted", "interrupted while connecting", e);
            } catch (ExecutionException e) {
                throw unwrap(e.getCause());
            }
        }

        public CompletableFuture<SwitchboardClient> connectAsync() {
            EventLoopGroup owned = eventLoopGroup == null
                    ? new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("switchboard-client", true),
                            NioIoHandler.newFactory())
                    : null;
            EventLoopGroup group = owned != null ? owned : eventLoopGroup;
            JsonMapper mapper = JsonMapper.builder().build();
            Connection connection = new Connection(mapper, maxInboundFrameBytes);
            SwitchboardClient client = new SwitchboardClient(connection, owned, this);
            Bootstrap bootstrap = new Bootstrap()
                    .group(group)
                    .channel(NioSocketChannel.class)
                    .option(ChannelOption.TCP_NODELAY, true)
                    .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE, connectTimeout.toMillis()))
                    .handler(new ChannelInitializer<Channel>() {
                        @Override
                        protected void initChannel(Channel ch) {
                            connection.initChannel(ch);
                        }
                    });
            CompletableFuture<SwitchboardClient> result = new CompletableFuture<>();
            bootstrap.connect(host, port).addListener(f -> {
                if (!f.isSuccess()) {
                    ForkJoinPool.commonPool().execute(client::close);
                    result.completeExceptionally(new ConnectionClosedException(
                            "could not connect to " + host + ":" + port + ": " + f.cause(), f.cause()));
                    return;
                }
                client.handshake(this).whenComplete((c, e) -> {
                    if (e == null) {
                        result.complete(c);
                    } else {
                        // Closing on our own thread would block the event loop; close async.
                        ForkJoinPool.commonPool().execute(client::close);
                        result.completeExceptionally(unwrap(e));
                    }
                });
            });
            return result;
        }

        private static Duration positive(Duration d, String name) {
            Objects.requireNonNull(d, name);
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException(name + " must be positive, got " + d);
            }
            return d;
        }
    }
}
