package dev.switchboard.server.transport.http;

import dev.switchboard.core.time.NodeClock;
import dev.switchboard.server.limits.Limits;
import dev.switchboard.server.metrics.NodeMetrics;
import dev.switchboard.server.transport.LoopDeadline;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufHolder;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.util.ReferenceCountUtil;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Bounds what an HTTP (or upgraded WebSocket) connection owes a client that does not read.
 * While the outbound buffer is over its high-water mark the connection reads no further requests
 * (a pipelining client waits for its answers); output that has not drained within the write
 * deadline, or that would grow past the per-connection cap, ends the connection. Every response
 * passes here, event streams included, so one slow reader cannot fill the server's memory.
 */
final class SlowReaderGuard extends ChannelDuplexHandler {
    private static final Logger log = LoggerFactory.getLogger(SlowReaderGuard.class);

    private final long maxPendingBytes;
    private final long writeDeadlineMs;
    private final NodeMetrics metrics;
    private final NodeClock clock;
    private LoopDeadline deadline;
    private boolean streaming;
    private boolean cut;

    SlowReaderGuard(NodeClock clock, long maxPendingBytes, long writeDeadlineMs, NodeMetrics metrics) {
        this.clock = clock;
        this.maxPendingBytes = maxPendingBytes;
        this.writeDeadlineMs = writeDeadlineMs;
        this.metrics = metrics;
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (msg instanceof HttpResponse r) streaming = !(r instanceof FullHttpResponse);
        if (cut) {
            ReferenceCountUtil.release(msg);
            promise.tryFailure(new java.nio.channels.ClosedChannelException());
            return;
        }
        ChannelOutboundBuffer buffer = ctx.channel().unsafe().outboundBuffer();
        long pending = buffer == null ? 0 : buffer.totalPendingWriteBytes();
        if (pending + size(msg) > maxPendingBytes) {
            ReferenceCountUtil.release(msg);
            promise.tryFailure(new java.io.IOException("client too slow"));
            cut(ctx, "pending_bytes");
            return;
        }
        ctx.write(msg, promise);
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        boolean writable = ctx.channel().isWritable();
        // No new requests while the client leaves its answers unread; they stay in the socket.
        ctx.channel().config().setAutoRead(writable);
        if (writable) {
            cancelDeadline();
        } else if (deadline == null && writeDeadlineMs > 0) {
            deadline = LoopDeadline.after(clock, ctx.executor(), writeDeadlineMs, TimeUnit.MILLISECONDS, () -> {
                deadline = null;
                if (!ctx.channel().isWritable()) cut(ctx, "write_deadline");
            });
        }
        ctx.fireChannelWritabilityChanged();
    }

    private void cut(ChannelHandlerContext ctx, String reason) {
        if (cut) return;
        cut = true;
        metrics.slowHttpReaderCut(streaming, reason);
        if (reason.equals("pending_bytes")) metrics.limitHit(Limits.HTTP_MAX_PENDING_BYTES.name());
        log.debug("{}: client does not read its {} ({}), closing", dev.switchboard.server.transport.PeerAddress.of(ctx.channel()),
                streaming ? "event stream" : "responses", reason);
        ctx.close();
    }

    private static long size(Object msg) {
        if (msg instanceof ByteBuf b) return b.readableBytes();
        if (msg instanceof ByteBufHolder h) return h.content().readableBytes();
        return 0;
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        cancelDeadline();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        cancelDeadline();
        ctx.fireChannelInactive();
    }

    private void cancelDeadline() {
        if (deadline != null) {
            deadline.cancel();
            deadline = null;
        }
    }
}
