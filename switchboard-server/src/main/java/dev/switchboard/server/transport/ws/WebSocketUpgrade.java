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

    /** What a path's WebSocket connections run once the handshake is done (after {@code listener}, the upgrade's handler). */
    public interface Upgraded {
        void install(ChannelPipeline p, String listener);
    }

    /** Adds the upgrade handlers before {@code before} (the HTTP front) of an HTTP pipeline. */
    public static void install(ChannelPipeline p, String before, ServerContext server) {
        install(p, before, PATH, server.config().maxFrameBytes(), (pipeline, listener) -> {
            HandshakeDeadline.install(pipeline, listener, server);
            pipeline.addAfter(listener, "ws-reassembly", reassembly(server.config().maxFrameBytes(),
                    () -> server.limitHit(Limits.MAX_FRAME_BYTES)));
            pipeline.addAfter("ws-reassembly", "ws-json", new WsJsonCodec());
            pipeline.addAfter("ws-json", "ws-frames", dev.switchboard.protocol.json.FrameDecoder.INSTANCE);
            pipeline.addAfter("ws-frames", "native", new NativeConnectionHandler(server, "ws"));
        }, () -> server.limitHit(Limits.MAX_FRAME_BYTES));
    }

    /** A handler that joins fragmented messages up to {@code maxBytes} (over it: close 1009, after {@code onOversized}). */
    public static io.netty.channel.ChannelHandler reassembly(int maxBytes, Runnable onOversized) {
        return new Reassembly(maxBytes, onOversized);
    }

    /**
     * Adds the upgrade handlers of WebSocket path {@code path} before {@code before}: frames of at
     * most {@code maxFrameBytes}, and {@code then} installs the handlers of the upgraded connection.
     */
    public static void install(ChannelPipeline p, String before, String path, int maxFrameBytes,
                               Upgraded then, Runnable onFrameTooLarge) {
        WebSocketServerProtocolConfig config = WebSocketServerProtocolConfig.newBuilder()
                .websocketPath(path)
                .checkStartsWith(false)
                // The decoder reports violations and ProtocolViolations answers them with the right code.
                .decoderConfig(WebSocketDecoderConfig.newBuilder()
                        .maxFramePayloadLength(maxFrameBytes)
                        .allowExtensions(false)
                        .closeOnProtocolViolation(false)
                        .build())
                .handleCloseFrames(true)
                .dropPongFrames(false)
                .handshakeTimeoutMillis(10_000)
                .build();
        p.addBefore(before, "ws-pause", new UpgradePause(path));
        p.addBefore(before, "ws-protocol", new WebSocketServerProtocolHandler(config));
        p.addBefore(before, "ws-upgraded", new UpgradeListener(maxFrameBytes, then, onFrameTooLarge));
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
        private final int maxFrameBytes;
        private final Upgraded then;
        private final Runnable onFrameTooLarge;
        private final List<Object> early = new ArrayList<>();
        private long earlyBytes;
        private boolean upgraded;

        UpgradeListener(int maxFrameBytes, Upgraded then, Runnable onFrameTooLarge) {
            this.maxFrameBytes = maxFrameBytes;
            this.then = then;
            this.onFrameTooLarge = onFrameTooLarge;
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
                if (earlyBytes > maxFrameBytes) { // bounded: no handshake takes that long
                    onFrameTooLarge.run();
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
                p.addBefore("ws-protocol", "ws-violations", new ProtocolViolations(onFrameTooLarge));
                // Counted and its bytes labelled as a WebSocket from now on, no longer as HTTP.
                dev.switchboard.server.metrics.TrafficCounter traffic = p.get(dev.switchboard.server.metrics.TrafficCounter.class);
                if (traffic != null) traffic.transportChanged(ctx.channel(), "ws");
                then.install(p, ctx.name());
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
        private final String path;

        UpgradePause(String path) {
            this.path = path;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof FullHttpRequest req && new QueryStringDecoder(req.uri()).path().equals(path)
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
