package dev.switchboard.server.transport.http;

import dev.switchboard.server.limits.Limits;
import dev.switchboard.server.transport.ServerContext;
import dev.switchboard.server.transport.ws.WebSocketUpgrade;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerKeepAliveHandler;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import dev.switchboard.server.transport.tls.PlainTextRefusal;
import dev.switchboard.server.transport.tls.TlsHandshakeWatcher;
import io.netty.handler.flow.FlowControlHandler;
import io.netty.handler.ssl.SslHandler;
import dev.switchboard.server.transport.IdleDeadlines;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * The handlers of an HTTP/1.1 connection: codec with line and header caps, canonical header
 * names, strict message framing, a guard against clients that do not read, keep-alive, a body
 * cap, an idle timeout (120 s, as dflockd's server), the Host and Origin check and the front that
 * routes requests.
 */
public final class HttpPipeline {
    static final int MAX_INITIAL_LINE = 8192;
    static final int MAX_HEADER_BYTES = 16 * 1024;
    static final int IDLE_SECONDS = 120;

    private HttpPipeline() {
    }

    public static void install(ChannelPipeline p, String after, ServerContext server, HttpServices services) {
        if (!services.connectionLimiter().admit(p.channel())) {
            server.limitHit(Limits.HTTP_MAX_CONNECTIONS_PER_IP);
            p.channel().close();
            return;
        }
        SslHandler tls = p.get(SslHandler.class);
        if (tls != null && !tls.handshakeFuture().isDone()) {
            // The --http-port listener with TLS: its TLS handler is already in place, without detection.
            p.addBefore(p.context(SslHandler.class).name(), "tls-plain", new PlainTextRefusal(services.tlsFailures()));
            p.addAfter(after, "tls-watch", new TlsHandshakeWatcher(services.tlsFailures()));
            after = "tls-watch";
        }
        p.addAfter(after, "http-idle", new IdleDeadlines(server.core().clock(), 0, 0, IDLE_SECONDS, TimeUnit.SECONDS) {
            @Override
            public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
                if (evt instanceof io.netty.handler.timeout.IdleStateEvent) ctx.close();
                else ctx.fireUserEventTriggered(evt);
            }
        });
        p.addAfter("http-idle", "http-deadline", new RequestDeadline(server.core().clock(), server.config().httpRequestTimeout().toMillis()));
        p.addAfter("http-deadline", "http-codec", new HttpServerCodec(MAX_INITIAL_LINE, MAX_HEADER_BYTES, 8192));
        p.addAfter("http-codec", "http-header-names", CanonicalHeaderNames.INSTANCE);
        p.addAfter("http-header-names", "http-transfer-encoding", new TransferEncodingCheck());
        p.addAfter("http-transfer-encoding", "http-slow-reader", new SlowReaderGuard(server.core().clock(), server.config().httpMaxPendingBytes(),
                server.config().writeTimeout().toMillis(), services.nodeMetrics()));
        p.addAfter("http-slow-reader", "http-keepalive", new HttpServerKeepAliveHandler());
        p.addAfter("http-keepalive", "http-aggregator", new BodyCap(server.config().httpMaxBodyBytes(),
                () -> server.limitHit(Limits.HTTP_MAX_BODY_BYTES)));
        // Holds requests already decoded while the guard has stopped reading, so that a client
        // pipelining many requests gets no more answers than it reads.
        p.addAfter("http-aggregator", "http-flow", new FlowControlHandler());
        p.addAfter("http-flow", "http-order", new ResponseOrder(server.config().httpMaxPipelined(),
                server.config().httpMaxBodyBytes(), () -> server.limitHit(Limits.HTTP_MAX_PIPELINED)));
        p.addAfter("http-order", "http-host", new HostAndOriginCheck(services.hostPolicy(), services.nodeMetrics()));
        p.addAfter("http-host", "http-front", new HttpFront(server, services));
        WebSocketUpgrade.install(p, "http-front", server);
        dev.switchboard.server.transport.relay.RelayRoute.install(p, server);
    }

    /** A body over the cap gets dflockd's answer to it, {@code 400 bad_request}, and the connection ends. */
    private static final class BodyCap extends HttpObjectAggregator {
        private final Runnable onOversized;

        BodyCap(int maxBytes, Runnable onOversized) {
            super(maxBytes);
            this.onOversized = onOversized;
        }

        @Override
        protected void handleOversizedMessage(ChannelHandlerContext ctx, HttpMessage oversized) {
            onOversized.run();
            String path = oversized instanceof io.netty.handler.codec.http.HttpRequest r
                    ? new io.netty.handler.codec.http.QueryStringDecoder(r.uri()).rawPath() : "/";
            boolean nativeApi = path.startsWith("/api/");
            byte[] body = (dev.switchboard.server.transport.JsonSupport.writeString(HttpExchange.errorBody(path,
                    nativeApi ? "frame_too_large" : "bad_request", "request body too large")) + "\n").getBytes(StandardCharsets.UTF_8);
            FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                    nativeApi ? HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE : HttpResponseStatus.BAD_REQUEST,
                    Unpooled.wrappedBuffer(body));
            response.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/json");
            response.headers().set("X-Content-Type-Options", "nosniff");
            // The rest of the body is not read, so the connection cannot carry another request.
            response.headers().set(HttpHeaderNames.CONNECTION, "close");
            HttpUtil.setContentLength(response, body.length);
            ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
        }
    }
}
