package dev.switchboard.server.transport.acomm;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import dev.switchboard.server.transport.IoTransport;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * acomm's Unix socket exchange, done right: connect, write one frame, read one frame (the
 * receiver's acknowledgement, a Response whose {@code error} says whether it took the message),
 * close — on the node's event loops, with one deadline over all of it (acomm has none, so a
 * receiver that never answers held its sender forever), and a frame read whole however it
 * arrives (acomm reads once and breaks on anything over a socket buffer).
 */
final class AcommSender {
    private final EventLoopGroup group;
    /** The transport of {@code group}: its channels are the only ones that can register there. */
    private final IoTransport io;
    private final int maxFrameBytes;

    AcommSender(EventLoopGroup group, IoTransport io, int maxFrameBytes) {
        this.group = group;
        this.io = io;
        this.maxFrameBytes = maxFrameBytes;
    }

    /**
     * Sends {@code json} to the socket at {@code path}. Completes with the acknowledgement's
     * {@code error} (empty: taken), or fails with an {@link AcommException} saying why there is
     * none (no such socket, refused, closed early, an unreadable answer, the deadline).
     */
    CompletableFuture<String> exchange(String path, byte[] json, Duration deadline) {
        CompletableFuture<String> result = new CompletableFuture<>();
        io.netty.util.concurrent.ScheduledFuture<?> timer = group.next().schedule(() -> result.completeExceptionally(
                new AcommException("no acknowledgement from unix://" + path + " within " + deadline.toMillis() + " ms")),
                deadline.toNanos(), TimeUnit.NANOSECONDS);
        result.whenComplete((r, e) -> timer.cancel(false));
        Bootstrap b = new Bootstrap()
                .group(group)
                .channel(io.domainSocketChannel())
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.max(1, Math.min(Integer.MAX_VALUE, deadline.toMillis())))
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(new LengthFieldBasedFrameDecoder(maxFrameBytes + AcommWire.LENGTH_BYTES, 0,
                                AcommWire.LENGTH_BYTES, 0, AcommWire.LENGTH_BYTES, true));
                        ch.pipeline().addLast(new AckReader(path, result));
                    }
                });
        ChannelFuture connect;
        try {
            connect = b.connect(io.unixAddress(java.nio.file.Path.of(path)));
        } catch (RuntimeException e) {
            result.completeExceptionally(new AcommException("cannot connect to unix://" + path + ": " + e.getMessage()));
            return result;
        }
        connect.addListener(f -> {
            Channel ch = connect.channel();
            if (!f.isSuccess()) {
                result.completeExceptionally(new AcommException("cannot connect to unix://" + path + ": " + f.cause().getMessage()));
                return;
            }
            result.whenComplete((r, e) -> ch.close()); // whatever ends the exchange ends the connection
            ch.writeAndFlush(AcommWire.frame(ch.alloc(), json)).addListener(w -> {
                if (!w.isSuccess()) {
                    result.completeExceptionally(new AcommException("cannot write to unix://" + path + ": " + w.cause().getMessage()));
                }
            });
        });
        return result;
    }

    /** Reads the one acknowledgement frame. */
    private static final class AckReader extends SimpleChannelInboundHandler<ByteBuf> {
        private final String path;
        private final CompletableFuture<String> result;

        AckReader(String path, CompletableFuture<String> result) {
            this.path = path;
            this.result = result;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, ByteBuf msg) {
            try {
                Map<String, Object> ack = AcommWire.parse(msg);
                Object error = ack.get("error");
                result.complete(error instanceof String s ? s : error == null ? "" : String.valueOf(error));
            } catch (IllegalArgumentException e) {
                result.completeExceptionally(new AcommException("unix://" + path + " acknowledged with " + e.getMessage()));
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            result.completeExceptionally(new AcommException("the exchange with unix://" + path + " failed: " + cause.getMessage()));
            ctx.close();
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            result.completeExceptionally(new AcommException("unix://" + path + " closed the connection without acknowledging"));
        }
    }
}
