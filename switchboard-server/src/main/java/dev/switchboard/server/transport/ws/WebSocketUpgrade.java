package dev.switchboard.server.transport.ws;

import dev.switchboard.server.metrics.NodeMetrics;
import dev.switchboard.server.transport.ServerContext;
import dev.switchboard.server.transport.http.HostPolicy;
import dev.switchboard.server.transport.json.NativeConnectionHandler;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.websocketx.WebSocketDecoderConfig;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrameDecoder;

/**
 * WebSocket on the HTTP port, at {@value #PATH}: an origin check, the handshake and control
 * frames (Netty's protocol handler), then the native protocol's connection handler on text frames.
 */
public final class WebSocketUpgrade {
    public static final String PATH = "/api/v1/ws";

    private WebSocketUpgrade() {
    }

    /** Adds the upgrade handlers before {@code before} (the HTTP front) of an HTTP pipeline. */
    public static void install(ChannelPipeline p, String before, ServerContext server, HostPolicy policy, NodeMetrics metrics) {
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
        p.addBefore(before, "ws-origin", new OriginCheck(policy, metrics));
        p.addBefore(before, "ws-protocol", new WebSocketServerProtocolHandler(config));
        p.addBefore(before, "ws-upgraded", new UpgradeListener(server));
    }

    /**
     * Switches the pipeline from HTTP requests to native messages once the handshake is done.
     * A client may send its first frames right behind the upgrade request, before it has read the
     * 101: those bytes were read along with the request, and the HTTP codec hands them on as raw
     * bytes when the handshake removes it. They go to the frame decoder, and the frames that arrive
     * before the native handler is in place wait here (reading is paused meanwhile, see
     * {@link OriginCheck}), so that none is lost and none overtakes another.
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
                if (earlyBytes > server.config().maxFrameBytes()) ctx.close(); // bounded: no handshake takes that long
                return;
            }
            ctx.fireChannelRead(msg);
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof WebSocketServerProtocolHandler.HandshakeComplete) {
                ChannelPipeline p = ctx.pipeline();
                for (String name : new String[] {"http-front", "http-keepalive", "http-idle", "http-deadline", "ws-origin",
                        "http-transfer-encoding"}) {
                    if (p.get(name) != null) p.remove(name);
                }
                p.addBefore("ws-protocol", "ws-violations", new ProtocolViolations());
                p.addAfter(ctx.name(), "ws-reassembly", new Reassembly(server.config().maxFrameBytes()));
                p.addAfter("ws-reassembly", "ws-json", new WsJsonCodec());
                p.addAfter("ws-json", "native", new NativeConnectionHandler(server, "ws"));
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
     * Refuses a browser page from another origin unless it is allowed (against cross-site
     * WebSocket hijacking); requests without {@code Origin} are not from a browser and pass.
     */
    private static final class OriginCheck extends ChannelInboundHandlerAdapter {
        private final HostPolicy policy;
        private final NodeMetrics metrics;

        OriginCheck(HostPolicy policy, NodeMetrics metrics) {
            this.policy = policy;
            this.metrics = metrics;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof FullHttpRequest req && new QueryStringDecoder(req.uri()).path().equals(PATH)) {
                String origin = req.headers().get(HttpHeaderNames.ORIGIN);
                if (!policy.originAllowed(ctx.channel(), origin, req.headers().get(HttpHeaderNames.HOST))) {
                    metrics.httpRefused("origin");
                    req.release();
                    byte[] body = "{\"code\":\"origin_not_allowed\",\"message\":\"this origin may not open a WebSocket\"}\n"
                            .getBytes(StandardCharsets.UTF_8);
                    FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.FORBIDDEN,
                            Unpooled.wrappedBuffer(body));
                    r.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/json");
                    r.headers().set(HttpHeaderNames.CONNECTION, "close");
                    HttpUtil.setContentLength(r, body.length);
                    ctx.writeAndFlush(r).addListener(ChannelFutureListener.CLOSE);
                    return;
                }
                if (req.headers().containsValue(HttpHeaderNames.UPGRADE, "websocket", true)) {
                    // Nothing more is read until the native handler is in place (UpgradeListener resumes).
                    ctx.channel().config().setAutoRead(false);
                    ctx.fireChannelRead(msg);
                    if (ctx.pipeline().get(WebSocketFrameDecoder.class) == null) ctx.channel().config().setAutoRead(true);
                    return;
                }
            }
            ctx.fireChannelRead(msg);
        }
    }
}
