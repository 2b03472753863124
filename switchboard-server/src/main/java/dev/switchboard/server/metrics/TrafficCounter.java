package dev.switchboard.server.metrics;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufHolder;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;

/** Counts the bytes each connection reads and writes, at the socket, for every protocol alike. */
@ChannelHandler.Sharable
public final class TrafficCounter extends ChannelDuplexHandler {
    private final NodeMetrics metrics;

    public TrafficCounter(NodeMetrics metrics) {
        this.metrics = metrics;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        long n = size(msg);
        if (n > 0) metrics.bytesReceived(n);
        ctx.fireChannelRead(msg);
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        long n = size(msg);
        if (n > 0) metrics.bytesSent(n);
        ctx.write(msg, promise);
    }

    private static long size(Object msg) {
        if (msg instanceof ByteBuf b) return b.readableBytes();
        if (msg instanceof ByteBufHolder h) return h.content().readableBytes();
        return 0;
    }
}
