package dev.switchboard.server.transport.http;

import dev.switchboard.core.time.NodeClock;
import dev.switchboard.server.transport.LoopDeadline;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.util.concurrent.TimeUnit;

/**
 * Closes a connection whose request does not arrive whole within the deadline after its first
 * byte (dflockd's ReadHeaderTimeout is 10 s), so slow or stalled clients cannot hold connections.
 * The front fires {@link #REQUEST_COMPLETE} when a request has been read.
 */
final class RequestDeadline extends ChannelInboundHandlerAdapter {
    static final Object REQUEST_COMPLETE = new Object();

    private final NodeClock clock;
    private final long deadlineMs;
    private LoopDeadline timer;

    RequestDeadline(NodeClock clock, long deadlineMs) {
        this.clock = clock;
        this.deadlineMs = deadlineMs;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (timer == null && msg instanceof ByteBuf b && b.isReadable()) {
            timer = LoopDeadline.after(clock, ctx.executor(), deadlineMs, TimeUnit.MILLISECONDS, ctx::close);
        }
        ctx.fireChannelRead(msg);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt == REQUEST_COMPLETE) {
            cancel();
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        cancel();
    }

    private void cancel() {
        if (timer != null) {
            timer.cancel();
            timer = null;
        }
    }
}
