package dev.switchboard.server.transport;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.DuplexChannel;
import io.netty.util.ReferenceCountUtil;
import java.util.concurrent.TimeUnit;

/**
 * Ends a connection after a last message without losing that message: write it, send FIN, and
 * discard whatever the client still sends until it closes too (or a short grace ends). Closing
 * with unread input would make the kernel send RST, which can destroy the last reply in flight.
 */
public final class Closing {
    private static final long GRACE_MS = 2000;

    private Closing() {
    }

    /** Writes {@code last} (may be null), then closes gracefully, after {@code delayMs}. */
    public static void closeAfter(Channel ch, Object last, long delayMs) {
        if (delayMs > 0) {
            ch.eventLoop().schedule(() -> closeAfter(ch, last, 0), delayMs, TimeUnit.MILLISECONDS);
            return;
        }
        finish(ch, last, ch::writeAndFlush);
    }

    public static void close(Channel ch, Object last) {
        closeAfter(ch, last, 0);
    }

    /** Like {@link #close(Channel, Object)}, but {@code last} is written from {@code ctx}, past the handlers after it. */
    public static void close(ChannelHandlerContext ctx, Object last) {
        finish(ctx.channel(), last, ctx::writeAndFlush);
    }

    private static void finish(Channel ch, Object last, java.util.function.Function<Object, io.netty.channel.ChannelFuture> write) {
        if (!ch.isActive()) {
            ReferenceCountUtil.release(last);
            ch.close();
            return;
        }
        if (ch.pipeline().get(Discard.class) == null) {
            ch.pipeline().addFirst(new Discard());
        }
        if (last == null) {
            halfClose(ch);
        } else {
            write.apply(last).addListener((ChannelFutureListener) f -> halfClose(ch));
        }
    }

    private static void halfClose(Channel ch) {
        // The grace timer goes as soon as the channel closes, so that it holds nothing after it.
        var grace = ch.eventLoop().schedule(() -> ch.close(), GRACE_MS, TimeUnit.MILLISECONDS);
        ch.closeFuture().addListener(f -> grace.cancel(false));
        if (ch instanceof DuplexChannel duplex && !duplex.isOutputShutdown()) {
            duplex.shutdownOutput();
        } else {
            ch.close();
        }
    }

    /** Drops every inbound byte; the channel closes itself when the client ends its side. */
    private static final class Discard extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ReferenceCountUtil.release(msg);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }
}
