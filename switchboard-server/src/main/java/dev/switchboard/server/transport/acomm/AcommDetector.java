package dev.switchboard.server.transport.acomm;

import dev.switchboard.server.transport.IdleDeadlines;
import dev.switchboard.server.transport.ServerContext;
import dev.switchboard.server.transport.handshake.HandshakeDeadline;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Sits behind the length-prefixed framer of a frame connection (TCP or the Unix socket) until its
 * first frame: a JSON object with no {@code op} that is an acomm request ({@code task}) or an acomm
 * Response ({@code id} with {@code result}, {@code error} or {@code stream_url}) makes the
 * connection an acomm one — the native handlers leave and {@link AcommConnectionHandler} takes
 * their place. Anything else goes on to the native protocol as before.
 */
public final class AcommDetector extends ChannelInboundHandlerAdapter {
    public static final String NAME_IN_PIPELINE = "acomm-detect";
    private static final String[] NATIVE_HANDLERS = {"json-encoder", "json-decoder", "native"};

    private final ServerContext server;

    public AcommDetector(ServerContext server) {
        this.server = server;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ChannelPipeline p = ctx.pipeline();
        Acomm acomm = server.acomm();
        if (acomm != null && msg instanceof ByteBuf frame && isAcomm(frame)) {
            for (String name : NATIVE_HANDLERS) {
                if (p.get(name) != null) p.remove(name);
            }
            // No hello comes on an acomm connection; each request is acknowledged instead.
            if (p.get(HandshakeDeadline.NAME_IN_PIPELINE) != null) p.remove(HandshakeDeadline.NAME_IN_PIPELINE);
            p.addAfter(ctx.name(), AcommConnectionHandler.NAME_IN_PIPELINE, new AcommConnectionHandler(server, acomm));
            long idleMs = 3 * server.config().heartbeatInterval().toMillis();
            if (idleMs > 0) {
                // acomm clients send no heartbeats: a connection idle this long with nothing owed to it is closed.
                p.addBefore(AcommConnectionHandler.NAME_IN_PIPELINE, "acomm-idle",
                        new IdleDeadlines(server.core().clock(), idleMs, 0, 0, TimeUnit.MILLISECONDS));
            }
        }
        ctx.fireChannelRead(msg);
        p.remove(this);
    }

    /** True for an acomm message; the frame is only read, not consumed. */
    static boolean isAcomm(ByteBuf frame) {
        Map<String, Object> m;
        try {
            m = AcommWire.parse(frame);
        } catch (IllegalArgumentException e) {
            return false; // the native protocol says what is wrong with it
        }
        if (m.containsKey("op")) return false;
        return m.containsKey("task") || isResponse(m);
    }

    static boolean isResponse(Map<String, Object> m) {
        return !m.containsKey("task") && m.containsKey("id")
                && (m.containsKey("result") || m.containsKey("error") || m.containsKey("stream_url"));
    }
}
