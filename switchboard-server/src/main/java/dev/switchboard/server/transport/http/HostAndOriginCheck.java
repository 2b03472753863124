package dev.switchboard.server.transport.http;

import dev.switchboard.server.metrics.NodeMetrics;
import dev.switchboard.server.transport.ws.WebSocketUpgrade;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.util.ReferenceCountUtil;

/**
 * Refuses, before anything else reads it, a request whose {@code Host} the {@link HostPolicy}
 * does not believe ({@code 403 host_not_allowed}), and a WebSocket upgrade from a browser page
 * of an origin that may not open one ({@code 403 origin_not_allowed}, against cross-site
 * WebSocket hijacking: browsers apply no CORS to WebSockets). The connection then ends.
 */
final class HostAndOriginCheck extends ChannelInboundHandlerAdapter {
    private final HostPolicy policy;
    private final NodeMetrics metrics;

    HostAndOriginCheck(HostPolicy policy, NodeMetrics metrics) {
        this.policy = policy;
        this.metrics = metrics;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof FullHttpRequest request && request.decoderResult().isSuccess()) {
            String host = request.headers().get(HttpHeaderNames.HOST);
            if (!policy.hostAllowed(ctx.channel(), host)) {
                refuse(ctx, request, "host", "host_not_allowed", "this server does not answer to the Host " + shortened(host)
                        + ": use 127.0.0.1 or localhost, or list the name in --http-allowed-hosts");
                return;
            }
            if (new QueryStringDecoder(request.uri()).path().equals(WebSocketUpgrade.PATH)
                    && !policy.originAllowed(ctx.channel(), request.headers().get(HttpHeaderNames.ORIGIN), host)) {
                refuse(ctx, request, "origin", "origin_not_allowed", "this origin may not open a WebSocket");
                return;
            }
        }
        ctx.fireChannelRead(msg);
    }

    private void refuse(ChannelHandlerContext ctx, FullHttpRequest request, String reason, String code, String message) {
        try {
            metrics.httpRefused(reason);
            ctx.pipeline().fireUserEventTriggered(RequestDeadline.REQUEST_COMPLETE);
            HttpExchange refused = new HttpExchange(ctx.channel(), request);
            refused.extraHeaders().set(HttpHeaderNames.CONNECTION, "close");
            refused.error(HttpResponseStatus.FORBIDDEN, code, message);
        } finally {
            ReferenceCountUtil.release(request);
        }
    }

    private static String shortened(String host) {
        return host.length() > 100 ? host.substring(0, 100) + "…" : host;
    }
}
