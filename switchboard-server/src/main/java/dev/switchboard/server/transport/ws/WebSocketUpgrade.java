package dev.switchboard.server.transport.ws;

import dev.switchboard.server.transport.ServerContext;
import dev.switchboard.server.transport.handshake.HandshakeDeadline;
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
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * WebSocket on the HTTP port, at {@value #PATH}: an origin check, the handshake and control
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
                .maxFramePayloadLength(server.config().maxFrameBytes())
                .handleCloseFrames(true)
                .dropPongFrames(false)
                .allowExtensions(false)
                .handshakeTimeoutMillis(10_000)
                .build();
        p.addBefore(before, "ws-origin", new OriginCheck(server.config().wsAllowedOrigins()));
        p.addBefore(before, "ws-protocol", new WebSocketServerProtocolHandler(config));
        p.addBefore(before, "ws-upgraded", new UpgradeListener(server));
    }

    /** Switches the pipeline from HTTP requests to native messages once the handshake is done. */
    private static final class UpgradeListener extends ChannelInboundHandlerAdapter {
        private final ServerContext server;

        UpgradeListener(ServerContext server) {
            this.server = server;
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof WebSocketServerProtocolHandler.HandshakeComplete) {
                ChannelPipeline p = ctx.pipeline();
                for (String name : new String[] {"http-front", "http-keepalive", "http-idle", "http-deadline", "ws-origin"}) {
                    if (p.get(name) != null) p.remove(name);
                }
                HandshakeDeadline.install(p, ctx.name(), server);
                p.addAfter(ctx.name(), "ws-json", new WsJsonCodec());
                p.addAfter("ws-json", "native", new NativeConnectionHandler(server, "ws"));
                p.remove(this);
                return;
            }
            ctx.fireUserEventTriggered(evt);
        }
    }

    /**
     * Refuses a browser page from another origin unless it is allowed (against cross-site
     * WebSocket hijacking); requests without {@code Origin} are not from a browser and pass.
     */
    private static final class OriginCheck extends ChannelInboundHandlerAdapter {
        private final List<String> allowed;

        OriginCheck(List<String> allowed) {
            this.allowed = allowed;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof FullHttpRequest req && new QueryStringDecoder(req.uri()).path().equals(PATH)) {
                String origin = req.headers().get(HttpHeaderNames.ORIGIN);
                if (origin != null && !allowed.contains("*") && !allowed.contains(origin)
                        && !sameOrigin(origin, req.headers().get(HttpHeaderNames.HOST))) {
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
            }
            ctx.fireChannelRead(msg);
        }

        private static boolean sameOrigin(String origin, String host) {
            if (host == null) return false;
            try {
                URI u = URI.create(origin);
                String hostPort = u.getPort() < 0 ? u.getHost() : u.getHost() + ":" + u.getPort();
                return host.equalsIgnoreCase(hostPort);
            } catch (IllegalArgumentException e) {
                return false;
            }
        }
    }
}
