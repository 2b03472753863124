package dev.switchboard.client;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Random;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.RejectedExecutionException;
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
 * A client of a Switchboard server speaking the native JSON protocol (version 1).
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
 * ({@link Optional#empty()}); server errors are {@link SwitchboardException} subclasses.
 *
 * <h2>Sessions outlive connections</h2>
 *
 * <p>The server keeps a session for its grace period ({@code --session-grace}) after its
 * connection ends. When the connection drops, the client reconnects by itself (unless
 * {@link Builder#reconnect(boolean) reconnect(false)}), with exponential backoff and full jitter
 * ({@link Builder#reconnectBackoff}), and resumes the session with its resume key and the
 * sequence number of the last event it delivered; the server then replays the events missed in
 * between, so {@linkplain Builder#onSignal signal listeners} see every signal once and in order
 * across reconnects. What happened is reported to {@linkplain Builder#onStateChange state
 * listeners} as {@link ConnectionEvent}s: {@code DISCONNECTED}, then {@code RESUMED} (with
 * {@code recovered == false} when the server's replay buffer had dropped some events) or
 * {@code SESSION_LOST} (the old session had ended: a new one is in use, its locks are reported
 * lost through every {@link Lock}'s {@link LockLostListener}, and subscriptions must be made
 * again), and {@code CLOSED} when the client stops for good.
 *
 * <p>Requests and connection loss:
 * <ul>
 *   <li>Requests <b>in flight</b> when the connection drops fail at once with
 *       {@link ConnectionClosedException} (code {@code disconnected}): the client cannot know
 *       whether the server acted on them.</li>
 *   <li>Requests <b>issued while reconnecting wait</b> for the new connection and are sent on it
 *       (in the order they were issued), within their usual timeout (the request timeout, plus
 *       the lock wait for acquires). When no connection is back in time they fail with
 *       {@link ConnectionClosedException} (code {@code disconnected}) and were never sent, so they
 *       are safe to retry.</li>
 *   <li>Once the client is closed (or reconnecting is off and the connection dropped, or it gave
 *       up), every request fails at once with {@link ConnectionClosedException}.</li>
 * </ul>
 */
public final class SwitchboardClient implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SwitchboardClient.class);
    private static final int PROTOCOL_VERSION = 1;

    private final Builder settings;
    private final EventLoopGroup ownedGroup;
    // Every connection of this client runs on this one loop: timers, lastSeq and the reconnect
    // state need no other synchronisation, and Lock timers survive reconnects.
    private final EventLoop loop;
    private final JsonMapper mapper = JsonMapper.builder().build();
    private final Duration requestTimeout;
    private final Executor callbackExecutor;
    // Signals and state events, one at a time and in order, on the callback executor.
    private final SerialExecutor events;
    private final List<Consumer<ConnectionEvent>> stateListeners;
    private final List<Consumer<Signal>> signalListeners;
    // Told when the session's locks are gone: SESSION_LOST, or the client stopped for good.
    private final List<Consumer<SwitchboardException>> sessionEndListeners = new CopyOnWriteArrayList<>();
    private final List<Consumer<JsonNode>> lockLostListeners = new CopyOnWriteArrayList<>();
    private final ReconnectBackoff backoff;
    private final AtomicBoolean closeCalled = new AtomicBoolean();
    private final CompletableFuture<ConnectionClosedException> terminated = new CompletableFuture<>();
    private final Connection.Listener connectionListener = new Connection.Listener() {
        @Override
        public void onEvent(Connection c, JsonNode event) {
            SwitchboardClient.this.onEvent(c, event);
        }

        @Override
        public void onLost(Connection c, ConnectionClosedException cause) {
            connectionLost(c, cause);
        }
    };

    // Guards the swap of "ready" and the queue of requests waiting for a reconnect.
    private final Object stateLock = new Object();
    // Completed with the connection in use; incomplete while (re)connecting; failed once the
    // client stopped for good.
    private volatile CompletableFuture<Connection> ready = new CompletableFuture<>();
    private final List<Waiter> waiting = new ArrayList<>();
    private volatile Connection connection;
    private volatile Connection connecting;
    private volatile Welcome welcome;
    private volatile String resumeKey;
    // Highest seq handed to the application (loop thread only; volatile for readers elsewhere).
    private volatile long lastSeq;
    // Reconnect state, loop thread only.
    private int attempts;
    private long reconnectStartNanos;
    private volatile ScheduledFuture<?> reconnectTask;
    private volatile Throwable lastDisconnect;

    /** What the server said in {@code welcome}. */
    private record Welcome(String sessionId, int protocol, String server, Duration heartbeat, ServerLimits limits) {
    }

    /** A request issued while reconnecting, sent when the connection is back. */
    private static final class Waiter {
        final ObjectNode msg;
        final long deadlineNanos;
        final Consumer<JsonNode> onLateResult;
        final CompletableFuture<JsonNode> result = new CompletableFuture<>();
        ScheduledFuture<?> timer;

        Waiter(ObjectNode msg, long deadlineNanos, Consumer<JsonNode> onLateResult) {
            this.msg = msg;
            this.deadlineNanos = deadlineNanos;
            this.onLateResult = onLateResult;
        }
    }

    private SwitchboardClient(EventLoopGroup ownedGroup, EventLoop loop, Builder b) {
        this.settings = b.copy();
        this.ownedGroup = ownedGroup;
        this.loop = loop;
        this.requestTimeout = b.requestTimeout;
        this.callbackExecutor = b.callbackExecutor;
        this.events = new SerialExecutor(b.callbackExecutor);
        this.stateListeners = new CopyOnWriteArrayList<>(b.stateListeners);
        this.signalListeners = new CopyOnWriteArrayList<>(b.signalListeners);
        this.backoff = new ReconnectBackoff(b.initialBackoff, b.maxBackoff, new Random());
    }

    /** Connects with default settings and does the handshake. */
    public static SwitchboardClient connect(String host, int port) {
        return builder().host(host).port(port).connect();
    }

    public static Builder builder() {
        return new Builder();
    }

    // ---------------------------------------------------------------- session information

    /** The session id the server assigned (32 lowercase hex); changes after {@code SESSION_LOST}. */
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

    /** True while a connection is up (false while reconnecting and after close). */
    public boolean isConnected() {
        Connection c = connection;
        return c != null && c.isOpen() && !terminated.isDone();
    }

    /** The sequence number of the last session event handed to the application (0 = none yet). */
    public long lastSeq() {
        return lastSeq;
    }

    /**
     * Completes (with the reason) when the client stops for good: {@link #close()}, or the
     * connection ended and reconnecting is off or gave up. A connection that drops and is
     * replaced by a reconnect does not complete it.
     */
    public CompletableFuture<ConnectionClosedException> closeFuture() {
        return terminated.thenApply(e -> e);
    }

    /** The client-side limit on waiting for an answer; blocking operations add their own wait to it. */
    public Duration requestTimeout() {
        return requestTimeout;
    }

    /** Adds a state listener (see {@link Builder#onStateChange}); it sees events from now on. */
    public void addStateListener(Consumer<ConnectionEvent> listener) {
        stateListeners.add(Objects.requireNonNull(listener, "listener"));
    }

    public void removeStateListener(Consumer<ConnectionEvent> listener) {
        stateListeners.remove(listener);
    }

    /** Adds a signal listener (see {@link Builder#onSignal}); it sees signals delivered from now on. */
    public void addSignalListener(Consumer<Signal> listener) {
        signalListeners.add(Objects.requireNonNull(listener, "listener"));
    }

    public void removeSignalListener(Consumer<Signal> listener) {
        signalListeners.remove(listener);
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
        return derive(request(msg, requestTimeout.plusMillis(timeoutMs), releaseLateGrant(resource)),
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
        return derive(request(msg, requestTimeout, releaseLateGrant(resource)),
                result -> Replies.enqueue(resource, result));
    }

    public EnqueueResult enqueue(Resource resource, Duration lease) {
        return await(enqueueAsync(resource, lease));
    }

    public EnqueueResult enqueue(Resource resource) {
        return enqueue(resource, null);
    }

    /**
     * Second phase: waits up to {@code timeout} for the slot enqueued earlier by this session
     * ({@code lock.wait}/{@code sem.wait}); the lease restarts at the grant. A wait that runs out
     * leaves the queue. Named {@code awaitGrant} because {@code wait} belongs to {@link Object}.
     */
    public CompletableFuture<Optional<Grant>> awaitGrantAsync(Resource resource, Duration timeout) {
        long timeoutMs = nonNegativeMillis(timeout, "timeout");
        ObjectNode msg = resourceMessage(resource, "wait");
        msg.put("timeout_ms", timeoutMs);
        return derive(request(msg, requestTimeout.plusMillis(timeoutMs), releaseLateGrant(resource)),
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
        return request(msg, requestTimeout, null).thenApply(Replies::renewedLease);
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
        return request(msg, requestTimeout, null).thenApply(result -> null);
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
        return request(newMessage("stats"), requestTimeout, null);
    }

    public JsonNode stats() {
        return await(statsAsync());
    }

    /** Round trip to the server; completes with the measured time. */
    public CompletableFuture<Duration> pingAsync() {
        long start = System.nanoTime();
        return request(newMessage("ping"), requestTimeout, null)
                .thenApply(pong -> Duration.ofNanos(System.nanoTime() - start));
    }

    public Duration ping() {
        return await(pingAsync());
    }

    // ---------------------------------------------------------------- signals

    /**
     * Subscribes the session to {@code pattern} ({@code signal.listen}; NATS-style: {@code *} is
     * one token, a trailing {@code >} one or more). Idempotent. Signals reach the
     * {@linkplain Builder#onSignal signal listeners}. The subscription belongs to the session: it
     * survives reconnects that resume, and is gone after {@code SESSION_LOST}.
     *
     * @param group a queue group (one member of each group gets each signal, round-robin); null = plain
     */
    public CompletableFuture<Void> listenAsync(String pattern, String group) {
        ObjectNode msg = newMessage("signal.listen");
        msg.put("pattern", Objects.requireNonNull(pattern, "pattern"));
        if (group != null) {
            msg.put("group", group);
        }
        return request(msg, requestTimeout, null).thenApply(r -> null);
    }

    public void listen(String pattern, String group) {
        await(listenAsync(pattern, group));
    }

    public void listen(String pattern) {
        listen(pattern, null);
    }

    /** Ends a subscription made with the same pattern and group ({@code signal.unlisten}). */
    public CompletableFuture<Void> unlistenAsync(String pattern, String group) {
        ObjectNode msg = newMessage("signal.unlisten");
        msg.put("pattern", Objects.requireNonNull(pattern, "pattern"));
        if (group != null) {
            msg.put("group", group);
        }
        return request(msg, requestTimeout, null).thenApply(r -> null);
    }

    public void unlisten(String pattern, String group) {
        await(unlistenAsync(pattern, group));
    }

    public void unlisten(String pattern) {
        unlisten(pattern, null);
    }

    /**
     * Publishes {@code payload} on {@code channel} (no wildcards; the payload is a non-blank
     * string without line breaks).
     *
     * @return how many sessions it was delivered to
     */
    public CompletableFuture<Integer> publishAsync(String channel, String payload) {
        ObjectNode msg = newMessage("signal.publish");
        msg.put("channel", Objects.requireNonNull(channel, "channel"));
        msg.put("payload", Objects.requireNonNull(payload, "payload"));
        return request(msg, requestTimeout, null).thenApply(r -> {
            JsonNode delivered = r.get("delivered");
            if (delivered == null || !delivered.isIntegralNumber()) {
                throw new SwitchboardException("bad_reply", "unexpected reply from the server: " + r);
            }
            return delivered.asInt();
        });
    }

    public int publish(String channel, String payload) {
        return await(publishAsync(channel, payload));
    }

    // ---------------------------------------------------------------- closing

    /**
     * Stops reconnecting, fails every request in flight or waiting for a reconnect with
     * {@link ConnectionClosedException}, ends the session ({@code session.close}, so the server
     * releases what it held at once rather than after its grace period) when a connection is up,
     * and closes the connection. Held {@link Lock}s report lock-lost; state listeners get
     * {@code CLOSED} with code {@code client_closed}. Idempotent.
     */
    @Override
    public void close() {
        if (!closeCalled.compareAndSet(false, true)) {
            return;
        }
        ScheduledFuture<?> task = reconnectTask;
        if (task != null) {
            task.cancel(false);
        }
        ConnectionClosedException closedEx = new ConnectionClosedException("client closed", null);
        Connection c = connection;
        if (c != null) {
            c.failInFlight(closedEx);
        }
        // From here on every new request fails at once, and waiters fail now.
        terminate(closedEx, "client_closed");
        if (c != null && c.isOpen() && !loop.inEventLoop()) {
            try {
                c.request(c.newMessage("session.close"), Duration.ofSeconds(2), r -> { })
                        .get(2, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (Exception e) {
                log.debug("session.close was not answered; the server ends the session after its grace period", e);
            }
        }
        Connection pendingConnect = connecting;
        if (pendingConnect != null && pendingConnect != c) {
            pendingConnect.close();
        }
        if (c != null) {
            CompletableFuture<Void> closing = c.close();
            try {
                // On the I/O thread the close runs inline; waiting there would only block it.
                if (!loop.inEventLoop()) {
                    closing.get(5, TimeUnit.SECONDS);
                    // The channel's close completes before its inactive event fails the requests in
                    // flight; wait for that too, so that close() returns with every request answered.
                    c.closeFuture().get(5, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (Exception e) {
                log.debug("closing the connection failed", e);
            }
        }
        if (ownedGroup != null && !ownedGroup.isShuttingDown()) {
            // Quiet period 0: nothing else runs on a group this client owns.
            ownedGroup.shutdownGracefully(0, 2, TimeUnit.SECONDS);
        }
    }

    // ---------------------------------------------------------------- requests and reconnects

    ObjectNode newMessage(String op) {
        ObjectNode msg = mapper.createObjectNode();
        msg.put("op", op);
        return msg;
    }

    /**
     * Sends on the connection in use; while reconnecting, queues the request until the new
     * connection is up or {@code timeout} runs out (then it fails with
     * {@link ConnectionClosedException}, unsent).
     */
    private CompletableFuture<JsonNode> request(ObjectNode msg, Duration timeout, Consumer<JsonNode> onLateResult) {
        for (;;) {
            CompletableFuture<Connection> r = ready;
            if (r.isDone()) {
                if (r.isCompletedExceptionally()) {
                    return CompletableFuture.failedFuture(terminatedException());
                }
                Connection c = r.join();
                // A closed connection whose loss did not swap "ready" (the swap happens before
                // the close is visible): no reconnect is coming, so fail fast through it.
                if (!c.isClosed() || ready == r) {
                    return c.request(msg, timeout, onLateResult);
                }
                continue;
            }
            Waiter w = new Waiter(msg, timeout == null ? Long.MAX_VALUE : System.nanoTime() + timeout.toNanos(), onLateResult);
            synchronized (stateLock) {
                if (ready != r || r.isDone()) {
                    continue;
                }
                waiting.add(w);
            }
            if (timeout != null) {
                try {
                    w.timer = loop.schedule(() -> {
                        w.result.completeExceptionally(new ConnectionClosedException("not reconnected within "
                                + timeout.toMillis() + " ms; " + msg.path("op").asString("?") + " was not sent", lastDisconnect));
                    }, timeout.toMillis(), TimeUnit.MILLISECONDS);
                } catch (RejectedExecutionException e) {
                    w.result.completeExceptionally(new ConnectionClosedException("the client is closed", e));
                }
            }
            return w.result;
        }
    }

    private void sendWaiter(Waiter w, Connection c) {
        if (w.timer != null) {
            w.timer.cancel(false);
        }
        if (w.result.isDone()) {
            return; // timed out or cancelled while waiting: never sent
        }
        Duration timeout = w.deadlineNanos == Long.MAX_VALUE ? null
                : Duration.ofNanos(Math.max(TimeUnit.MILLISECONDS.toNanos(1), w.deadlineNanos - System.nanoTime()));
        CompletableFuture<JsonNode> inner = c.request(w.msg, timeout, w.onLateResult);
        inner.whenComplete((v, e) -> {
            if (e != null) {
                w.result.completeExceptionally(unwrap(e));
            } else {
                w.result.complete(v);
            }
        });
        w.result.whenComplete((v, e) -> {
            if (w.result.isCancelled()) {
                inner.cancel(false);
            }
        });
    }

    private ConnectionClosedException terminatedException() {
        ConnectionClosedException e = terminated.getNow(null);
        return e != null ? e : new ConnectionClosedException("the client is closed", null);
    }

    /** The connection in use ended (on the loop, before its requests in flight fail). */
    private void connectionLost(Connection c, ConnectionClosedException cause) {
        if (c != connection || terminated.isDone()) {
            return;
        }
        lastDisconnect = cause;
        if (closeCalled.get()) {
            return;
        }
        SwitchboardException serverReason = cause.getCause() instanceof SwitchboardException se ? se : null;
        String code = serverReason != null ? serverReason.code() : cause.code();
        log.info("connection to {}:{} lost ({}){}", settings.host, settings.port, code,
                settings.reconnect ? "; reconnecting" : "");
        emit(new ConnectionEvent(ConnectionEvent.Type.DISCONNECTED, welcome.sessionId(), code, false,
                OptionalLong.empty(), cause));
        if (!settings.reconnect) {
            terminate(cause, code);
            return;
        }
        synchronized (stateLock) {
            if (ready.isDone() && !ready.isCompletedExceptionally()) {
                ready = new CompletableFuture<>();
            }
        }
        attempts = 0;
        reconnectStartNanos = System.nanoTime();
        scheduleReconnect();
    }

    // On the loop.
    private void scheduleReconnect() {
        if (closeCalled.get() || terminated.isDone()) {
            return;
        }
        int attempt = attempts++;
        boolean outOfAttempts = settings.maxReconnectAttempts > 0 && attempt >= settings.maxReconnectAttempts;
        boolean outOfTime = settings.maxReconnectTime != null
                && System.nanoTime() - reconnectStartNanos >= settings.maxReconnectTime.toNanos();
        if (outOfAttempts || outOfTime) {
            terminate(new ConnectionClosedException("gave up reconnecting after " + attempt + " attempts: "
                    + lastDisconnect, lastDisconnect), "reconnect_failed");
            return;
        }
        Duration delay = backoff.delay(attempt);
        log.debug("reconnect attempt {} in {} ms", attempt + 1, delay.toMillis());
        try {
            reconnectTask = loop.schedule(this::reconnectNow, delay.toMillis(), TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            terminate(new ConnectionClosedException("the client's event loop is shut down", e), "client_closed");
        }
    }

    // On the loop.
    private void reconnectNow() {
        if (closeCalled.get() || terminated.isDone()) {
            return;
        }
        open(false).whenComplete((c, e) -> loop.execute(() -> {
            if (e == null) {
                return;
            }
            Throwable t = unwrap(e);
            lastDisconnect = t;
            if (t instanceof UnauthorizedException
                    || (t instanceof SwitchboardException se && "unsupported_version".equals(se.code()))) {
                // Retrying cannot help: the server refuses this client.
                terminate(new ConnectionClosedException("reconnect refused: " + t.getMessage(), t),
                        ((SwitchboardException) t).code());
                return;
            }
            log.debug("reconnect attempt {} failed: {}", attempts, t.toString());
            scheduleReconnect();
        }));
    }

    /** Opens a connection and says hello (resuming the session when it has one). */
    private CompletableFuture<Connection> open(boolean initial) {
        Connection c = new Connection(mapper, settings.maxInboundFrameBytes, connectionListener);
        connecting = c;
        Bootstrap bootstrap = new Bootstrap()
                .group(loop)
                .channel(NioSocketChannel.class)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE, settings.connectTimeout.toMillis()))
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        c.initChannel(ch);
                    }
                });
        CompletableFuture<Connection> result = new CompletableFuture<>();
        try {
            bootstrap.connect(settings.host, settings.port).addListener(f -> {
                if (!f.isSuccess()) {
                    result.completeExceptionally(new ConnectionClosedException(
                            "could not connect to " + settings.host + ":" + settings.port + ": " + f.cause(), f.cause()));
                    return;
                }
                handshake(c, initial).whenComplete((x, e) -> {
                    if (e == null) {
                        result.complete(c);
                    } else {
                        c.close();
                        result.completeExceptionally(unwrap(e));
                    }
                });
            });
        } catch (RuntimeException e) {
            result.completeExceptionally(new ConnectionClosedException("could not connect: " + e, e));
        }
        return result;
    }

    private CompletableFuture<Void> handshake(Connection c, boolean initial) {
        ObjectNode hello = c.newMessage("hello");
        hello.put("version", PROTOCOL_VERSION);
        if (settings.authToken != null) {
            hello.put("token", settings.authToken);
        }
        hello.put("client", settings.clientName);
        Welcome old = welcome;
        String key = resumeKey;
        boolean resuming = !initial && old != null && key != null;
        if (resuming) {
            ObjectNode resume = hello.putObject("resume");
            resume.put("session", old.sessionId());
            resume.put("key", key);
            resume.put("last_seq", lastSeq);
        }
        // Runs on the loop as the welcome is read, before any event that follows it.
        return c.request(hello, settings.connectTimeout, null).thenAccept(msg -> adopt(c, msg, initial));
    }

    // On the loop, as the welcome is read.
    private void adopt(Connection c, JsonNode msg, boolean initial) {
        Welcome w = new Welcome(
                msg.path("session").asString(""),
                (int) msg.path("protocol").asLong(PROTOCOL_VERSION),
                msg.path("server").asString(""),
                Duration.ofMillis(msg.path("heartbeat_ms").asLong(0)),
                Replies.limits(msg.path("limits")));
        JsonNode key = msg.get("resume_key");
        boolean resumed = msg.path("resumed").asBoolean(false);
        ConnectionEvent event;
        SessionLostException lost = null;
        if (initial) {
            event = new ConnectionEvent(ConnectionEvent.Type.CONNECTED, w.sessionId(), null, true, OptionalLong.empty(), null);
        } else if (resumed) {
            boolean recovered = msg.path("recovered").asBoolean(true);
            JsonNode first = msg.get("first_available");
            OptionalLong firstAvailable = first != null && first.isIntegralNumber() ? OptionalLong.of(first.asLong()) : OptionalLong.empty();
            event = new ConnectionEvent(ConnectionEvent.Type.RESUMED, w.sessionId(), null, recovered, firstAvailable, null);
            if (recovered) {
                log.info("reconnected; resumed session {}", w.sessionId());
            } else {
                log.warn("reconnected; resumed session {} but the server dropped events after seq {} (first still available: {})",
                        w.sessionId(), lastSeq, firstAvailable.isPresent() ? firstAvailable.getAsLong() : "?");
            }
        } else {
            JsonNode err = msg.path("resume_error");
            String code = err.path("code").asString(resumeKey == null ? "no_resume_key" : "session_not_found");
            String why = err.path("message").asString("");
            String oldId = welcome == null ? "?" : welcome.sessionId();
            lost = new SessionLostException(code, "session " + oldId + " could not be resumed (" + code
                    + (why.isEmpty() ? "" : ": " + why) + "); now in new session " + w.sessionId()
                    + ": its locks and subscriptions are gone");
            log.warn("{}", lost.getMessage());
            event = new ConnectionEvent(ConnectionEvent.Type.SESSION_LOST, w.sessionId(), code, false, OptionalLong.empty(), lost);
            lastSeq = 0; // a new session numbers its events from 1 again
        }
        if (key != null && key.isString()) {
            resumeKey = key.stringValue();
        } else if (!resumed) {
            resumeKey = null; // a new session without a key cannot be resumed
        }
        welcome = w;
        connection = c;
        connecting = null;
        if (closeCalled.get()) {
            c.close();
            throw new ConnectionClosedException("client closed", null);
        }
        c.watchHeartbeats(w.heartbeat());
        if (lost != null) {
            for (Consumer<SwitchboardException> l : sessionEndListeners) {
                l.accept(lost);
            }
        }
        emit(event);
        List<Waiter> toSend;
        synchronized (stateLock) {
            CompletableFuture<Connection> r = ready;
            if (r.isDone()) {
                ready = CompletableFuture.completedFuture(c);
            } else {
                r.complete(c);
            }
            toSend = new ArrayList<>(waiting);
            waiting.clear();
            // Sent before anyone else can send on c: they wait on this monitor or their writes
            // are queued behind this task on the loop.
            for (Waiter waiter : toSend) {
                sendWaiter(waiter, c);
            }
        }
    }

    /** The client stops for good: no more reconnects, every request fails from now on. */
    private void terminate(ConnectionClosedException cause, String code) {
        if (!terminated.complete(cause)) {
            return;
        }
        ScheduledFuture<?> task = reconnectTask;
        if (task != null) {
            task.cancel(false);
        }
        List<Waiter> toFail;
        synchronized (stateLock) {
            CompletableFuture<Connection> r = ready;
            if (!r.completeExceptionally(cause)) {
                ready = CompletableFuture.failedFuture(cause);
            }
            toFail = new ArrayList<>(waiting);
            waiting.clear();
        }
        for (Waiter w : toFail) {
            if (w.timer != null) {
                w.timer.cancel(false);
            }
            w.result.completeExceptionally(cause);
        }
        for (Consumer<SwitchboardException> l : sessionEndListeners) {
            l.accept(cause);
        }
        Welcome w = welcome;
        emit(new ConnectionEvent(ConnectionEvent.Type.CLOSED, w == null ? null : w.sessionId(), code, false,
                OptionalLong.empty(), cause));
    }

    // On the loop.
    private void onEvent(Connection c, JsonNode event) {
        if (c != connection) {
            return;
        }
        JsonNode seqNode = event.get("seq");
        long seq = 0;
        if (seqNode != null && seqNode.isIntegralNumber()) {
            seq = seqNode.asLong();
            if (seq <= lastSeq) {
                return; // delivered already (a replay overlapping what we had)
            }
            lastSeq = seq;
        }
        if ("signal".equals(event.path("op").asString(""))) {
            Signal signal = new Signal(event.path("channel").asString(""), event.path("payload").asString(""), seq);
            if (!signalListeners.isEmpty()) {
                events.execute(() -> {
                    for (Consumer<Signal> l : signalListeners) {
                        try {
                            l.accept(signal);
                        } catch (RuntimeException e) {
                            log.warn("signal listener threw", e);
                        }
                    }
                });
            }
        } else if ("lock.lost".equals(event.path("op").asString(""))) {
            // The server took a slot back (its lease ran out, or a restart could not keep it).
            for (Consumer<JsonNode> l : lockLostListeners) {
                l.accept(event);
            }
        } else {
            log.debug("ignoring event {}", event.path("op").asString("?"));
        }
    }

    /** Registers for the server's {@code lock.lost} events (on the I/O thread; listeners must not block). */
    void addLockLostListener(Consumer<JsonNode> listener) {
        lockLostListeners.add(listener);
    }

    void removeLockLostListener(Consumer<JsonNode> listener) {
        lockLostListeners.remove(listener);
    }

    private void emit(ConnectionEvent event) {
        if (stateListeners.isEmpty()) {
            return;
        }
        events.execute(() -> {
            for (Consumer<ConnectionEvent> l : stateListeners) {
                try {
                    l.accept(event);
                } catch (RuntimeException e) {
                    log.warn("state listener threw", e);
                }
            }
        });
    }

    // ---------------------------------------------------------------- internals used by Lock

    Executor callbackExecutor() {
        return callbackExecutor;
    }

    /** Runs {@code task} on the client's event loop after {@code delay}: no thread per lock. */
    ScheduledFuture<?> schedule(Runnable task, Duration delay) {
        return loop.schedule(task, Math.max(0, delay.toMillis()), TimeUnit.MILLISECONDS);
    }

    /**
     * Registers for the end of the session's locks: a {@link SessionLostException} after a
     * reconnect that could not resume, or the {@link ConnectionClosedException} when the client
     * stops for good. Told at once when the client has already stopped.
     */
    void addSessionEndListener(Consumer<SwitchboardException> listener) {
        sessionEndListeners.add(listener);
        if (terminated.isDone() && sessionEndListeners.remove(listener)) {
            listener.accept(terminated.join());
        }
    }

    void removeSessionEndListener(Consumer<SwitchboardException> listener) {
        sessionEndListeners.remove(listener);
    }

    /** True when a dropped connection is being (or will be) replaced: the session may live on. */
    boolean mayReconnect() {
        return settings.reconnect && !terminated.isDone() && !closeCalled.get();
    }

    /**
     * Unwraps a future for the blocking API. Refuses to run on the client's own I/O thread,
     * where waiting for an answer that thread must read would hang forever.
     */
    <T> T await(CompletableFuture<T> future) {
        if (loop.inEventLoop()) {
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
        ObjectNode msg = newMessage(resource.kind().op(op));
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
        private boolean reconnect = true;
        private Duration initialBackoff = Duration.ofMillis(100);
        private Duration maxBackoff = Duration.ofSeconds(5);
        private int maxReconnectAttempts;
        private Duration maxReconnectTime;
        private final List<Consumer<ConnectionEvent>> stateListeners = new ArrayList<>();
        private final List<Consumer<Signal>> signalListeners = new ArrayList<>();

        private Builder() {
        }

        private Builder copy() {
            Builder b = new Builder();
            b.host = host;
            b.port = port;
            b.authToken = authToken;
            b.connectTimeout = connectTimeout;
            b.requestTimeout = requestTimeout;
            b.clientName = clientName;
            b.eventLoopGroup = eventLoopGroup;
            b.callbackExecutor = callbackExecutor;
            b.maxInboundFrameBytes = maxInboundFrameBytes;
            b.reconnect = reconnect;
            b.initialBackoff = initialBackoff;
            b.maxBackoff = maxBackoff;
            b.maxReconnectAttempts = maxReconnectAttempts;
            b.maxReconnectTime = maxReconnectTime;
            b.stateListeners.addAll(stateListeners);
            b.signalListeners.addAll(signalListeners);
            return b;
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

        /** Covers the TCP connect and the hello/welcome handshake together (also of each reconnect). */
        public Builder connectTimeout(Duration timeout) {
            this.connectTimeout = positive(timeout, "connectTimeout");
            return this;
        }

        /**
         * How long to wait for any answer; acquire and wait add their own timeout to it, so a
         * long lock wait is never cut short by this. A request issued while reconnecting spends
         * this time waiting for the connection too.
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

        /** Where lock-lost callbacks, state events and signals run, off the I/O thread so they may block. */
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

        /**
         * Whether to reconnect and resume the session when the connection drops (default true).
         * Off: a dropped connection stops the client for good, as {@link #close()} would (without
         * {@code session.close}: the server keeps the session for its grace period).
         * The first connect is never retried: {@link #connect()} throws its error.
         */
        public Builder reconnect(boolean on) {
            this.reconnect = on;
            return this;
        }

        /**
         * Backoff between reconnect attempts: attempt {@code n} (from 0) waits a uniformly random
         * time in {@code [0, min(max, initial * 2^n)]} (exponential backoff with full jitter).
         * Defaults 100 ms and 5 s.
         */
        public Builder reconnectBackoff(Duration initial, Duration max) {
            positive(initial, "initial backoff");
            positive(max, "max backoff");
            if (max.compareTo(initial) < 0) {
                throw new IllegalArgumentException("max backoff " + max + " is below the initial backoff " + initial);
            }
            this.initialBackoff = initial;
            this.maxBackoff = max;
            return this;
        }

        /** Gives up (the client closes, {@code CLOSED} with code {@code reconnect_failed}) after this many failed attempts in a row; 0 = never (the default). */
        public Builder maxReconnectAttempts(int attempts) {
            if (attempts < 0) {
                throw new IllegalArgumentException("maxReconnectAttempts must not be negative, got " + attempts);
            }
            this.maxReconnectAttempts = attempts;
            return this;
        }

        /** Gives up when the connection has been down this long; null = never (the default). */
        public Builder maxReconnectTime(Duration time) {
            this.maxReconnectTime = time == null ? null : positive(time, "maxReconnectTime");
            return this;
        }

        /**
         * Listens for connection state changes ({@link ConnectionEvent}), from the first
         * {@code CONNECTED} on. Runs on the callback executor, one event at a time, in order.
         */
        public Builder onStateChange(Consumer<ConnectionEvent> listener) {
            this.stateListeners.add(Objects.requireNonNull(listener, "listener"));
            return this;
        }

        /**
         * Listens for signals delivered to the session (subscribe with
         * {@link SwitchboardClient#listen}). Runs on the callback executor, one signal at a time,
         * in the session's order; across a resume every signal is delivered once.
         */
        public Builder onSignal(Consumer<Signal> listener) {
            this.signalListeners.add(Objects.requireNonNull(listener, "listener"));
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
            SwitchboardClient client = new SwitchboardClient(owned, group.next(), this);
            CompletableFuture<SwitchboardClient> result = new CompletableFuture<>();
            client.open(true).whenComplete((c, e) -> {
                if (e == null) {
                    result.complete(client);
                } else {
                    // Closing on our own thread would block the event loop; close async.
                    ForkJoinPool.commonPool().execute(client::close);
                    result.completeExceptionally(unwrap(e));
                }
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
