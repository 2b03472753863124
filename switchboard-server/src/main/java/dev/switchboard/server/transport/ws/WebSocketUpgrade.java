package dev.switchboard.server.transport.ws;

import dev.switchboard.server.limits.Limits;
import dev.switchboard.server.transport.ServerContext;
import dev.switchboard.server.transport.handshake.HandshakeDeadline;
import dev.switchboard.server.transport.json.NativeConnectionHandler;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.websocketx.WebSocketDecoderConfig;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrameDecoder;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import java.util.ArrayList;
import java.util.List;

/**
 * WebSocket on the HTTP port, at {@value #PATH} (Host and Origin checked by the HTTP pipeline): the handshake and control
 * frames (Netty's protocol handler), then the native protocol's connection handler on text frames.
 */
public final class WebSocketUpgrade {
    public static final String PATH = "/api/v1/ws";

    private WebSocketUpgrade() {
    }

    /** Adds the upgrade handlers before {@code before} (the HTTP front) of an HTTP pipeline. */
    public static void install(ChannelPipeline p, String before, ServerContext server) {
        WebSocketServerProtocolConfig config = WebSocketServerProtocolConfig.newBuilder()
                .websocketPath(PATH)
                .checkStartsWith(false)
                // The decoder reports violations and ProtocolViolations answers them with the right code.
                .decoderConfig(WebSocketDecoderConfig.newBuilder()
                        .maxFramePayloadLength(server.config().maxFrameBytes())
                        .allowExtensions(false)
                        .closeOnProtocolViolation(false)
                        .build())
                .handleCloseFrames(true)
                .dropPongFrames(false)
                .handshakeTimeoutMillis(10_000)
                .build();
        p.addBefore(before, "ws-pause", new UpgradePause());
        p.addBefore(before, "ws-protocol", new WebSocketServerProtocolHandler(config));
        p.addBefore(before, "ws-upgraded", new UpgradeListener(server));
    }

    /**
     * Switches the pipeline from HTTP requests to native messages once the handshake is done.
     * A client may send its first frames right behind the upgrade request, before it has read the
     * 101: those bytes were read along with the request, and the HTTP codec hands them on as raw
     * bytes when the handshake removes it. They go to the frame decoder, and the frames that arrive
     * before the native handler is in place wait here (reading is paused meanwhile, see
     * {@link UpgradePause}), so that none is lost and none overtakes another.
     */
    private static final class UpgradeListener extends ChannelInboundHandlerAdapter {
        private final ServerContext server;
        private final List<Object> early = new ArrayList<>();
        private long earlyBytes;
        private boolean upgraded;

        UpgradeListener(ServerContext server) {
            this.server = server;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (upgraded) {
                if (msg instanceof ByteBuf leftover) decodeFrames(ctx, leftover);
                else ctx.fireChannelRead(msg);
                return;
            }
            if (msg instanceof ByteBuf || msg instanceof WebSocketFrame) {
                earlyBytes += msg instanceof ByteBuf b ? b.readableBytes() : ((WebSocketFrame) msg).content().readableBytes();
                early.add(msg);
                if (earlyBytes > server.config().maxFrameBytes()) { // bounded: no handshake takes that long
                    server.limitHit(Limits.MAX_FRAME_BYTES);
                    ctx.close();
                }
                return;
            }
            ctx.fireChannelRead(msg);
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof WebSocketServerProtocolHandler.HandshakeComplete) {
                ChannelPipeline p = ctx.pipeline();
                for (String name : new String[] {"http-front", "http-keepalive", "http-idle", "http-deadline", "ws-pause", "http-order",
                        "http-transfer-encoding"}) {
                    if (p.get(name) != null) p.remove(name);
                }
                p.addBefore("ws-protocol", "ws-violations", new ProtocolViolations(() -> server.limitHit(Limits.MAX_FRAME_BYTES)));
                HandshakeDeadline.install(p, ctx.name(), server);
                p.addAfter(ctx.name(), "ws-reassembly", new Reassembly(server.config().maxFrameBytes(),
                        () -> server.limitHit(Limits.MAX_FRAME_BYTES)));
                p.addAfter("ws-reassembly", "ws-json", new WsJsonCodec());
                p.addAfter("ws-json", "ws-frames", dev.switchboard.protocol.json.FrameDecoder.INSTANCE);
                p.addAfter("ws-frames", "native", new NativeConnectionHandler(server, "ws"));
                upgraded = true;
                for (Object m : early) channelRead(ctx, m);
                early.clear();
                ctx.channel().config().setAutoRead(ctx.channel().isWritable());
                return;
            }
            ctx.fireUserEventTriggered(evt);
        }

        /** Raw bytes read before the handshake: the frame decoder the handshake installed reads them now. */
        private static void decodeFrames(ChannelHandlerContext ctx, ByteBuf bytes) {
            ChannelHandlerContext decoder = ctx.pipeline().context(WebSocketFrameDecoder.class);
            if (decoder == null) {
                bytes.release();
                ctx.close();
                return;
            }
            try {
                ((WebSocketFrameDecoder) decoder.handler()).channelRead(decoder, bytes);
            } catch (Exception e) {
                ctx.fireExceptionCaught(e);
            }
        }

        @Override
        public void handlerRemoved(ChannelHandlerContext ctx) {
            early.forEach(io.netty.util.ReferenceCountUtil::release);
            early.clear();
        }
    }

    /**
     * Pauses reading when an upgrade request goes to the handshake, so that what the client sends
     * next waits in the socket until the native handler is in place ({@link UpgradeListener}
     * resumes). (Host and Origin were checked before, by the HTTP pipeline.)
     */
    private static final class UpgradePause extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof FullHttpRequest req && new QueryStringDecoder(req.uri()).path().equals(PATH)
                    && req.headers().containsValue(HttpHeaderNames.UPGRADE, "websocket", true)) {
                ctx.channel().config().setAutoRead(false);
                ctx.fireChannelRead(msg);
                // No handshake started (a malformed upgrade was answered): go on reading.
                if (ctx.pipeline().get(WebSocketFrameDecoder.class) == null) ctx.channel().config().setAutoRead(true);
                return;
            }
            ctx.fireChannelRead(msg);
        }
    }
}
