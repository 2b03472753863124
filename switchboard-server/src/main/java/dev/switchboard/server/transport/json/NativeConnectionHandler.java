package dev.switchboard.server.transport.json;

import dev.switchboard.core.lock.LockOps;
import dev.switchboard.protocol.ErrorCode;
import dev.switchboard.protocol.Frame;
import dev.switchboard.protocol.Reply;
import dev.switchboard.core.session.Session;
import dev.switchboard.core.session.Outbox;
import dev.switchboard.core.session.SessionConnection;
import dev.switchboard.core.session.SessionRegistry;
import dev.switchboard.server.SwitchboardConfig;
import dev.switchboard.server.Version;
import dev.switchboard.server.transport.Closing;
import dev.switchboard.server.transport.PushQueue;
import dev.switchboard.server.transport.ServerContext;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.timeout.IdleState;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One native connection (TCP or WebSocket): the hello/welcome handshake — which opens a session
 * or resumes one with its key, replaying what the client missed — then requests dispatched to the
 * core with their correlation ids. Requests are independent; answers go out as they complete.
 * When the connection ends, the session is detached, not ended: it waits for a resume for the
 * grace period, and only {@code session.close} ends it at once.
 */
public final class NativeConnectionHandler extends ChannelInboundHandlerAdapter implements SessionConnection {
    private static final Logger log = LoggerFactory.getLogger(NativeConnectionHandler.class);
    public static final int PROTOCOL_VERSION = 1;
    private static final long AUTH_FAILURE_DELAY_MS = 100;

    private final ServerContext server;
    private final String transport;
    private Channel channel;
    private Session session;
    private volatile boolean ending;
    private boolean detached;
    private final Map<String, Integer> pendingWaits = new java.util.concurrent.ConcurrentHashMap<>();
    private PushQueue pushes;

    public NativeConnectionHandler(ServerContext server, String transport) {
        this.server = server;
        this.transport = transport;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        channel = ctx.channel();
        pushes = new PushQueue(channel, server.config().signalBufferSize());
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (ending) return;
        if (msg instanceof BadFrame bad) {
            if (session == null) {
                fail(null, ErrorCode.HELLO_REQUIRED, "the first message must be hello; " + bad.reason());
            } else {
                send(error(null, ErrorCode.BAD_FRAME, bad.reason()));
            }
            return;
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> m = (Map<String, Object>) msg;
        Object id = correlationId(m.get("id"));
        if (id == null && m.get("id") != null) {
            send(error(null, ErrorCode.BAD_FRAME, "id must be a string or an integer"));
            return;
        }
        if (!(m.get("op") instanceof String op)) {
            if (session == null) {
                fail(id, ErrorCode.HELLO_REQUIRED, "the first message must be hello");
            } else {
                send(error(id, ErrorCode.BAD_FRAME, "op is required and must be a string"));
            }
            return;
        }
        if (session == null) {
            if (op.equals("hello")) {
                hello(ctx, id, m);
            } else {
                fail(id, ErrorCode.HELLO_REQUIRED, "the first message must be hello");
            }
            return;
        }
        switch (op) {
            case "hello" -> send(error(id, ErrorCode.ALREADY_HELLO, "hello was already sent on this connection"));
            case "ping" -> send(message("pong", id));
            case "pong" -> {
                // a heartbeat answer; reading it was the point
            }
            case "session.close" -> {
                // An explicit end: locks go at once, not after the grace period.
                Session ending = session;
                send(toMessage(id, Reply.ok(Map.of())));
                server.core().sessions().close(ending, server.config().autoReleaseOnDisconnect());
            }
            default -> {
                if (server.draining()) {
                    fail(id, ErrorCode.DRAINING, "the server is shutting down");
                    return;
                }
                Frame frame = new Frame(op, id, m);
                String wait = waitKey(frame);
                if (wait != null) pendingWaits.merge(wait, 1, Integer::sum);
                server.requestStarted();
                server.core().nativeDispatcher().dispatch(session, frame, reply -> {
                    server.requestFinished();
                    if (wait != null) pendingWaits.computeIfPresent(wait, (k, n) -> n == 1 ? null : n - 1);
                    send(toMessage(id, reply));
                });
            }
        }
    }

    private void hello(ChannelHandlerContext ctx, Object id, Map<String, Object> m) {
        if (!(m.get("version") instanceof Integer v) || v != PROTOCOL_VERSION) {
            fail(id, ErrorCode.UNSUPPORTED_VERSION, "this server speaks protocol version " + PROTOCOL_VERSION);
            return;
        }
        Object token = m.get("token");
        if (server.authRequired() && !(token instanceof String t && server.tokenMatches(t))) {
            ending = true;
            channel.writeAndFlush(error(id, ErrorCode.UNAUTHORIZED, "wrong or missing token"));
            Closing.closeAfter(channel, null, AUTH_FAILURE_DELAY_MS);
            return;
        }
        if (server.draining()) {
            fail(id, ErrorCode.DRAINING, "the server is shutting down");
            return;
        }
        SwitchboardConfig cfg = server.config();
        String resumeKey = null;
        Map<String, Object> resumeError = null;
        SessionRegistry.Attached resumed = null;
        if (m.get("resume") instanceof Map<?, ?> r) {
            long lastSeq = r.get("last_seq") instanceof Number n ? Math.max(0, n.longValue()) : 0;
            SessionRegistry.Attach attach = server.core().sessions().resume(
                    r.get("session") instanceof String sid ? sid : null, r.get("key") instanceof String k ? k : null, lastSeq, this);
            if (attach instanceof SessionRegistry.Attached a) {
                resumed = a;
            } else if (attach instanceof SessionRegistry.Refused refused) {
                if (refused.code().equals("max_connections_per_session")) {
                    fail(id, ErrorCode.MAX_CONNECTIONS_PER_SESSION, refused.message());
                    return;
                }
                resumeError = new LinkedHashMap<>();
                resumeError.put("code", refused.code());
                resumeError.put("message", refused.message());
            }
        } else if (m.containsKey("resume")) {
            fail(id, ErrorCode.INVALID_ARGUMENT, "resume must be an object {session, key, last_seq}");
            return;
        }
        if (resumed != null) {
            session = resumed.session();
        } else {
            String ip = channel.remoteAddress() instanceof java.net.InetSocketAddress a ? a.getAddress().getHostAddress() : null;
            SessionRegistry.Open open = server.core().sessions().openResumable(transport,
                    String.valueOf(channel.remoteAddress()), ip, this);
            if (open instanceof SessionRegistry.Refused refused) {
                fail(id, refused.code().equals("max_sessions") ? ErrorCode.MAX_SESSIONS : ErrorCode.MAX_SESSIONS_PER_IP,
                        refused.message());
                return;
            }
            SessionRegistry.Opened opened = (SessionRegistry.Opened) open;
            session = opened.session();
            resumeKey = opened.resumeKey();
        }
        long heartbeatMs = cfg.heartbeatInterval().toMillis();
        Map<String, Object> limits = new LinkedHashMap<>();
        limits.put("max_frame_bytes", cfg.maxFrameBytes());
        limits.put("max_locks", cfg.maxLocks());
        limits.put("max_waiters", cfg.maxWaiters());
        limits.put("default_lease_ms", cfg.defaultLeaseTtl().toMillis());
        limits.put("max_lease_ms", LockOps.MAX_DURATION_MS);
        limits.put("replay_buffer_messages", cfg.replayBufferMessages());
        limits.put("session_grace_ms", cfg.sessionGrace().toMillis());
        limits.put("max_connections_per_session", cfg.maxConnectionsPerSession());
        Map<String, Object> welcome = message("welcome", id);
        welcome.put("session", session.id());
        if (resumeKey != null) welcome.put("resume_key", resumeKey);
        welcome.put("protocol", PROTOCOL_VERSION);
        welcome.put("server", "switchboard/" + Version.VERSION);
        welcome.put("heartbeat_ms", heartbeatMs);
        welcome.put("limits", limits);
        if (resumed != null) {
            welcome.put("resumed", true);
            welcome.put("recovered", resumed.recovered());
            welcome.put("last_seq", session.replay().lastSeq());
            if (!resumed.recovered()) welcome.put("first_available", session.replay().firstAvailable());
        } else if (resumeError != null) {
            welcome.put("resumed", false);
            welcome.put("resume_error", resumeError);
        }
        send(welcome);
        dev.switchboard.server.transport.handshake.HandshakeDeadline.handshakeDone(ctx);
        if (resumed != null) {
            // On the event loop, before any live event queued by another thread: the backlog first.
            for (Outbox.Event e : resumed.backlog()) send(e.message());
        }
        if (heartbeatMs > 0) {
            ctx.pipeline().addBefore(ctx.name(), "heartbeat",
                    new IdleStateHandler(3 * heartbeatMs, heartbeatMs, 0, TimeUnit.MILLISECONDS));
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof IdleStateEvent idle && !ending) {
            if (idle.state() == IdleState.WRITER_IDLE) {
                send(message("ping", null));
            } else if (idle.state() == IdleState.READER_IDLE) {
                fail(null, ErrorCode.HEARTBEAT_TIMEOUT, "nothing received for three heartbeat intervals");
            }
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        endSession();
        ctx.fireChannelInactive();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        endSession();
    }

    /**
     * The connection is gone; the session is not. Waits this connection asked for are cancelled,
     * since nobody can read their grants, and the session is detached.
     */
    private void endSession() {
        Session s = session;
        if (s == null || detached) return;
        detached = true;
        for (String wait : pendingWaits.keySet()) {
            String[] parts = wait.split(":", 2);
            server.core().nativeDispatcher().dispatch(s, new Frame(parts[0] + ".cancel", null, Map.of("key", parts[1])), r -> { });
        }
        pendingWaits.clear();
        server.core().sessions().detach(s, this);
    }

    /** {@code "lock:key"} for a request that waits for a grant, else null. */
    private static String waitKey(Frame f) {
        String op = f.op();
        boolean waits = (op.startsWith("lock.") || op.startsWith("sem.")) && (op.endsWith(".acquire") || op.endsWith(".wait"));
        // A malformed key is not an error here: the dispatcher answers it with invalid_argument.
        return waits && f.value("key") instanceof String key ? op.substring(0, op.indexOf('.')) + ":" + key : null;
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof TooLongFrameException) {
            fail(null, ErrorCode.FRAME_TOO_LARGE,
                    "a message may be at most " + server.config().maxFrameBytes() + " bytes");
            return;
        }
        log.debug("{}: connection error: {}", session, cause.toString());
        ctx.close();
    }

    /** Sends an error and ends the connection. */
    private void fail(Object id, ErrorCode code, String message) {
        if (ending) return;
        ending = true;
        Closing.close(channel, error(id, code, message));
    }

    private void send(Map<String, Object> message) {
        channel.writeAndFlush(message);
    }

    /** Strings and integers are echoed as sent; anything else cannot serve as a correlation id. */
    private static Object correlationId(Object id) {
        return id instanceof String || id instanceof Integer || id instanceof Long
                || id instanceof java.math.BigInteger ? id : null;
    }

    private static Map<String, Object> toMessage(Object id, Reply reply) {
        if (reply.isError()) return error(id, reply.error(), reply.message());
        Map<String, Object> m = message("reply", id);
        m.put("result", reply.result());
        return m;
    }

    private static Map<String, Object> message(String op, Object id) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("op", op);
        if (id != null) m.put("id", id);
        return m;
    }

    static Map<String, Object> error(Object id, ErrorCode code, String text) {
        return error(id, code.wire(), text);
    }

    static Map<String, Object> error(Object id, String code, String text) {
        Map<String, Object> m = message("error", id);
        Map<String, Object> e = new LinkedHashMap<>();
        e.put("code", code);
        e.put("message", text);
        m.put("error", e);
        return m;
    }

    @Override
    public String transport() {
        return transport;
    }

    @Override
    public String remoteAddress() {
        return String.valueOf(channel.remoteAddress());
    }

    /** An event of the session, behind a bounded queue; false when the client is too far behind. */
    @Override
    public boolean deliver(Map<String, Object> event) {
        return !ending && pushes.offer(event);
    }

    /** The core ends this connection (slow consumer, session closed): an error event, then close. */
    @Override
    public void disconnect(String code, String message) {
        channel.eventLoop().execute(() -> {
            if (ending) return;
            ending = true;
            Closing.close(channel, error(null, code, message));
        });
    }
}
