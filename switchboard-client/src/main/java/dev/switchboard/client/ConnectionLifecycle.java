package dev.switchboard.client;

import dev.switchboard.protocol.ErrorCode;
import dev.switchboard.protocol.Ops;
import dev.switchboard.protocol.Protocol;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.AdaptiveRecvByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import java.time.Duration;
import java.util.List;
import java.util.OptionalLong;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The life of a client's connections: connects and says hello, notices a lost connection,
 * reconnects with backoff and resumes the session, gives up when told to, and closes. Every
 * connection runs on one event loop, so the reconnect state needs no other synchronisation.
 */
final class ConnectionLifecycle {
    private static final Logger log = LoggerFactory.getLogger(ConnectionLifecycle.class);

    private final ClientSettings settings;
    private final EventLoopGroup ownedGroup;
    private final EventLoop loop;
    private final SessionState session;
    private final EventDispatcher events;
    private final RequestRouter requests;
    private final ReconnectBackoff backoff;
    private final AtomicBoolean closeCalled = new AtomicBoolean();
    private final CompletableFuture<ConnectionClosedException> terminated = new CompletableFuture<>();
    // Told when the session's locks are gone: SESSION_LOST, or the client stopped for good.
    private final List<Consumer<SwitchboardException>> sessionEndListeners = new CopyOnWriteArrayList<>();
    // Told when a new session replaced a lost one, once requests can be sent on it.
    private final List<Runnable> sessionReplacedListeners = new CopyOnWriteArrayList<>();
    private final Connection.Listener connectionListener = new Connection.Listener() {
        @Override
        public void onEvent(Connection c, JsonNode event) {
            if (c == connection) {
                events.onEvent(event);
            }
        }

        @Override
        public void onLost(Connection c, ConnectionClosedException cause) {
            connectionLost(c, cause);
        }
    };

    private volatile Connection connection;
    private volatile Connection connecting;
    // Reconnect state, loop thread only.
    private int attempts;
    private long reconnectStartNanos;
    private volatile ScheduledFuture<?> reconnectTask;
    private volatile Throwable lastDisconnect;

    ConnectionLifecycle(ClientSettings settings, EventLoopGroup ownedGroup, EventLoop loop,
                        SessionState session, EventDispatcher events) {
        this.settings = settings;
        this.ownedGroup = ownedGroup;
        this.loop = loop;
        this.session = session;
        this.events = events;
        this.requests = new RequestRouter(loop, () -> lastDisconnect);
        this.backoff = new ReconnectBackoff(settings.initialBackoff(), settings.maxBackoff(), new Random());
    }

    RequestRouter requests() {
        return requests;
    }

    EventLoop loop() {
        return loop;
    }

    /** True while a connection is up (false while reconnecting and after close). */
    boolean isConnected() {
        Connection c = connection;
        return c != null && c.isOpen() && !terminated.isDone();
    }

    /** Completes with the reason when the client stops for good. */
    CompletableFuture<ConnectionClosedException> terminated() {
        return terminated;
    }

    /** True when a dropped connection is being (or will be) replaced: the session may live on. */
    boolean mayReconnect() {
        return settings.reconnect() && !terminated.isDone() && !closeCalled.get();
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

    /**
     * Registers for a new session replacing a lost one (after {@code SESSION_LOST}): called on the
     * I/O thread once the new connection takes requests, so that what the old session held on the
     * server (services, subscriptions) can be set up again.
     */
    void addSessionReplacedListener(Runnable listener) {
        sessionReplacedListeners.add(listener);
    }

    /** Opens a connection and says hello (resuming the session when it has one). */
    CompletableFuture<Connection> open(boolean initial) {
        Connection c = new Connection(settings.maxInboundFrameBytes(), connectionListener);
        connecting = c;
        Bootstrap bootstrap = new Bootstrap()
                .group(loop)
                .channelFactory(ClientTransport.channelFactory(loop))
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE, settings.connectTimeout().toMillis()))
                // Reads of at least 512 bytes: Netty's default guess shrinks to 64 after a few short
                // answers, and a longer one (a grant is ~120 bytes) then takes two reads and a copy.
                .option(ChannelOption.RCVBUF_ALLOCATOR, new AdaptiveRecvByteBufAllocator(512, 2048, 65536))
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        c.initChannel(ch);
                    }
                });
        CompletableFuture<Connection> result = new CompletableFuture<>();
        try {
            bootstrap.connect(settings.host(), settings.port()).addListener(f -> {
                if (!f.isSuccess()) {
                    result.completeExceptionally(new ConnectionClosedException(
                            "could not connect to " + settings.address() + ": " + f.cause(), f.cause()));
                    return;
                }
                handshake(c, initial).whenComplete((x, e) -> {
                    if (e == null) {
                        result.complete(c);
                    } else {
                        c.close();
                        result.completeExceptionally(Futures.unwrap(e));
                    }
                });
            });
        } catch (RuntimeException e) {
            result.completeExceptionally(new ConnectionClosedException("could not connect: " + e, e));
        }
        return result;
    }

    private CompletableFuture<Void> handshake(Connection c, boolean initial) {
        ObjectNode hello = Messages.create(Ops.HELLO);
        hello.put("version", Protocol.VERSION);
        // The supplier's current token at each connect: a reconnect after token_expired uses a fresh one.
        String token = settings.tokens() == null ? null : settings.tokens().get();
        if (token != null) {
            hello.put("token", token);
        }
        hello.put("client", settings.clientName());
        session.putResume(hello, initial);
        // Runs on the loop as the welcome is read, before any event that follows it.
        return c.request(Outgoing.of(hello), settings.connectTimeout(), false, null).thenAccept(msg -> adopt(c, msg.tree(), initial));
    }

    // On the loop, as the welcome is read.
    private void adopt(Connection c, JsonNode msg, boolean initial) {
        SessionState.Outcome outcome = session.adopt(msg, initial);
        connection = c;
        connecting = null;
        if (closeCalled.get()) {
            c.close();
            throw new ConnectionClosedException("client closed", null);
        }
        c.watchHeartbeats(session.welcome().heartbeat());
        if (outcome.lost() != null) {
            for (Consumer<SwitchboardException> l : sessionEndListeners) {
                l.accept(outcome.lost());
            }
        }
        events.emit(outcome.event());
        requests.connected(c);
        if (outcome.lost() != null) {
            for (Runnable l : sessionReplacedListeners) {
                l.run();
            }
        }
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
        log.info("connection to {} lost ({}){}", settings.address(), code, settings.reconnect() ? "; reconnecting" : "");
        events.emit(new ConnectionEvent(ConnectionEvent.Type.DISCONNECTED, session.sessionId(), code, false,
                OptionalLong.empty(), cause));
        if (!settings.reconnect() || ErrorCode.REPLACED.wire().equals(code)) {
            // Replaced: a newer session of this identity took its peer id and the server ended this
            // one. Reconnecting would open yet another session and replace that one in turn.
            terminate(cause, code);
            return;
        }
        requests.reconnecting();
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
        boolean outOfAttempts = settings.maxReconnectAttempts() > 0 && attempt >= settings.maxReconnectAttempts();
        boolean outOfTime = settings.maxReconnectTime() != null
                && System.nanoTime() - reconnectStartNanos >= settings.maxReconnectTime().toNanos();
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
            Throwable t = Futures.unwrap(e);
            lastDisconnect = t;
            if (t instanceof UnauthorizedException
                    || (t instanceof SwitchboardException se && ErrorCode.UNSUPPORTED_VERSION.wire().equals(se.code()))) {
                // Retrying cannot help: the server refuses this client.
                terminate(new ConnectionClosedException("reconnect refused: " + t.getMessage(), t),
                        ((SwitchboardException) t).code());
                return;
            }
            log.debug("reconnect attempt {} failed: {}", attempts, t.toString());
            scheduleReconnect();
        }));
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
        requests.stop(cause);
        for (Consumer<SwitchboardException> l : sessionEndListeners) {
            l.accept(cause);
        }
        events.emit(new ConnectionEvent(ConnectionEvent.Type.CLOSED, session.sessionId(), code, false,
                OptionalLong.empty(), cause));
    }

    /** See {@link SwitchboardClient#close()}. */
    void close() {
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
                c.request(Messages.bare(Ops.SESSION_CLOSE), Duration.ofSeconds(2), false, r -> { })
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
}
