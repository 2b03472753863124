package dev.switchboard.server.metrics;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufHolder;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;

/**
 * Counts the bytes each connection reads and writes, at the socket, for every protocol alike, by
 * the transport the connection was detected as ({@link #TRANSPORT}).
 */
@ChannelHandler.Sharable
public final class TrafficCounter extends ChannelDuplexHandler {
    /** The connection's transport, set once its protocol is known (see {@code ProtocolDetector}), {@code ws} once upgraded. */
    public static final io.netty.util.AttributeKey<String> TRANSPORT = io.netty.util.AttributeKey.valueOf("switchboard.transport");
    private final NodeMetrics metrics;

    public TrafficCounter(NodeMetrics metrics) {
        this.metrics = metrics;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        long n = size(msg);
        // Counted after the read has gone down the pipeline: the first bytes are what detection
        // reads, and they then count under the transport they were detected as.
        ctx.fireChannelRead(msg);
        if (n > 0) metrics.bytesReceived(ctx.channel().attr(TRANSPORT).get(), n);
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        long n = size(msg);
        if (n > 0) metrics.bytesSent(ctx.channel().attr(TRANSPORT).get(), n);
        ctx.write(msg, promise);
    }

    /** The connection goes on as {@code transport} (see {@link NodeMetrics#transportChanged}). */
    public void transportChanged(io.netty.channel.Channel channel, String transport) {
        metrics.transportChanged(channel, transport);
    }

    private static long size(Object msg) {
        if (msg instanceof ByteBuf b) return b.readableBytes();
        if (msg instanceof ByteBufHolder h) return h.content().readableBytes();
        return 0;
    }
}
