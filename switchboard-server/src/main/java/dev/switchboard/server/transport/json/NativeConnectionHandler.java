package dev.switchboard.server.transport.json;

import dev.switchboard.core.lock.LockOps;
import dev.switchboard.core.protocol.ErrorCode;
import dev.switchboard.core.protocol.Frame;
import dev.switchboard.core.protocol.Reply;
import dev.switchboard.core.session.Session;
import dev.switchboard.core.session.SessionSink;
import dev.switchboard.server.SwitchboardConfig;
import dev.switchboard.server.Version;
import dev.switchboard.server.transport.Closing;
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
 * One native JSON connection: the hello/welcome handshake, then requests dispatched to the core
 * with their correlation ids. Requests are independent; answers go out as they complete.
 */
public final class NativeConnectionHandler extends ChannelInboundHandlerAdapter implements SessionSink {
    private static final Logger log = LoggerFactory.getLogger(NativeConnectionHandler.class);
    public static final int PROTOCOL_VERSION = 1;
    private static final long AUTH_FAILURE_DELAY_MS = 100;

    private final ServerContext server;
    private final String transport;
    private Channel channel;
    private Session session;
    private volatile boolean ending;
    private final java.util.concurrent.atomic.AtomicInteger queuedPushes = new java.util.concurrent.atomic.AtomicInteger();

    public NativeConnectionHandler(ServerContext server, String transport) {
        this.server = server;
        this.transport = transport;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        channel = ctx.channel();
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
            default -> {
                if (server.draining()) {
                    fail(id, ErrorCode.DRAINING, "the server is shutting down");
                    return;
                }
                server.requestStarted();
                server.core().nativeDispatcher().dispatch(session, new Frame(op, id, m), reply -> {
                    server.requestFinished();
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
        session = server.core().sessions().open(transport, String.valueOf(channel.remoteAddress()), this);
        SwitchboardConfig cfg = server.config();
        long heartbeatMs = cfg.heartbeatInterval().toMillis();
        Map<String, Object> limits = new LinkedHashMap<>();
        limits.put("max_frame_bytes", cfg.maxFrameBytes());
        limits.put("max_locks", cfg.maxLocks());
        limits.put("max_waiters", cfg.maxWaiters());
        limits.put("default_lease_ms", cfg.defaultLeaseTtl().toMillis());
        limits.put("max_lease_ms", LockOps.MAX_DURATION_MS);
        Map<String, Object> welcome = message("welcome", id);
        welcome.put("session", session.id());
        welcome.put("protocol", PROTOCOL_VERSION);
        welcome.put("server", "switchboard/" + Version.VERSION);
        welcome.put("heartbeat_ms", heartbeatMs);
        welcome.put("limits", limits);
        send(welcome);
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

    private void endSession() {
        if (session != null) {
            server.core().sessions().close(session, server.config().autoReleaseOnDisconnect());
        }
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
        Map<String, Object> m = message("error", id);
        Map<String, Object> e = new LinkedHashMap<>();
        e.put("code", code.wire());
        e.put("message", text);
        m.put("error", e);
        return m;
    }

    /** A signal event, behind the same bounded queue as dflockd's pushes; false when the client is too far behind. */
    @Override
    public boolean pushSignal(String channelName, String payload) {
        if (ending || queuedPushes.incrementAndGet() > server.config().signalBufferSize()) {
            queuedPushes.decrementAndGet();
            return false;
        }
        Map<String, Object> event = message("signal", null);
        event.put("seq", session.nextSeq());
        event.put("channel", channelName);
        event.put("payload", payload);
        channel.writeAndFlush(event).addListener(f -> queuedPushes.decrementAndGet());
        return true;
    }

    @Override
    public void disconnect(String reason) {
        channel.eventLoop().execute(() -> fail(null, ErrorCode.INTERNAL, "disconnected: " + reason));
    }
}
