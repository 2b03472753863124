package dev.switchboard.server.transport.http;

import dev.switchboard.server.metrics.NodeMetrics;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.util.ReferenceCountUtil;

/**
 * Refuses a request, WebSocket upgrades included, whose {@code Host} the {@link HostPolicy}
 * does not believe, before anything else reads it: {@code 403 host_not_allowed}, and the
 * connection ends.
 */
final class HostCheck extends ChannelInboundHandlerAdapter {
    private final HostPolicy policy;
    private final NodeMetrics metrics;

    HostCheck(HostPolicy policy, NodeMetrics metrics) {
        this.policy = policy;
        this.metrics = metrics;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof FullHttpRequest request && request.decoderResult().isSuccess()) {
            String host = request.headers().get(HttpHeaderNames.HOST);
            if (!policy.hostAllowed(ctx.channel(), host)) {
                try {
                    metrics.httpRefused("host");
                    ctx.pipeline().fireUserEventTriggered(RequestDeadline.REQUEST_COMPLETE);
                    HttpExchange refused = new HttpExchange(ctx.channel(), request);
                    refused.extraHeaders().set(HttpHeaderNames.CONNECTION, "close");
                    refused.error(HttpResponseStatus.FORBIDDEN, "host_not_allowed", "this server does not answer to the Host "
                            + shortened(host) + ": use 127.0.0.1 or localhost, or list the name in --http-allowed-hosts");
                } finally {
                    ReferenceCountUtil.release(request);
                }
                return;
            }
        }
        ctx.fireChannelRead(msg);
    }

    private static String shortened(String host) {
        return host.length() > 100 ? host.substring(0, 100) + "…" : host;
    }
}
