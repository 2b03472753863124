package dev.switchboard.server.transport.handshake;

import dev.switchboard.server.limits.Limits;
import dev.switchboard.protocol.ErrorCode;
import dev.switchboard.server.transport.Closing;
import dev.switchboard.server.transport.LoopDeadline;
import dev.switchboard.server.transport.ServerContext;
import io.netty.channel.ChannelHandlerAdapter;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The deadline of a native, frame or WebSocket connection's handshake: unless its hello is
 * answered within {@code --handshake-timeout}, it gets a {@code handshake_timeout} error and is
 * closed. Without it, a client that sends only {@code {}, a zero byte or an upgrade would hold a
 * connection forever. Until then the connection is counted in {@code stats.connections}. It sits
 * in the pipeline only as a timer (no events pass through it) and leaves it at the welcome.
 */
public final class HandshakeDeadline extends ChannelHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(HandshakeDeadline.class);
    /** The handler's name in a pipeline. */
    public static final String NAME_IN_PIPELINE = "handshake-deadline";

    private final ServerContext server;
    private LoopDeadline timer;

    private HandshakeDeadline(ServerContext server) {
        this.server = server;
    }

    /** Adds the deadline to a connection's pipeline, after the handler named {@code after}. */
    public static void install(ChannelPipeline p, String after, ServerContext server) {
        p.addAfter(after, NAME_IN_PIPELINE, new HandshakeDeadline(server));
    }

    /** The hello was answered: the deadline no longer applies, and the session now counts the connection. */
    public static void handshakeDone(ChannelHandlerContext ctx) {
        ChannelPipeline p = ctx.pipeline();
        if (p.get(NAME_IN_PIPELINE) != null) p.remove(NAME_IN_PIPELINE);
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        PreSession.count(ctx.channel(), server.core().preSessionConnections());
        long ms = server.config().handshakeTimeout().toMillis();
        timer = LoopDeadline.after(server.core().clock(), ctx.executor(), ms, TimeUnit.MILLISECONDS, () -> expire(ctx, ms));
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        if (timer != null) timer.cancel();
        PreSession.settle(ctx.channel(), server.core().preSessionConnections());
    }

    private void expire(ChannelHandlerContext ctx, long ms) {
        if (ctx.isRemoved() || !ctx.channel().isActive()) return;
        server.core().preSessionConnections().cutByHandshakeDeadline();
        server.limitHit(Limits.HANDSHAKE_TIMEOUT);
        log.debug("{}: no hello answered within {} ms, closing", dev.switchboard.server.transport.PeerAddress.of(ctx.channel()), ms);
        Map<String, Object> error = new LinkedHashMap<>();
        error.put("code", ErrorCode.HANDSHAKE_TIMEOUT.wire());
        error.put("message", "no hello within " + ms + " ms");
        Map<String, Object> message = new LinkedHashMap<>();
        message.put("op", "error");
        message.put("error", error);
        // From the tail, through the connection's encoder (a JSON line, a frame or a WebSocket text).
        Closing.close(ctx.channel(), message);
    }
}
