package dev.switchboard.server.transport;

import dev.switchboard.core.time.NodeClock;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.timeout.IdleState;
import io.netty.handler.timeout.IdleStateEvent;
import java.util.concurrent.TimeUnit;

/**
 * Netty's {@code IdleStateHandler} on the node's clock: fires an {@link IdleStateEvent} when
 * nothing was read ({@code READER_IDLE}), written ({@code WRITER_IDLE}) or either ({@code
 * ALL_IDLE}) for its time (0 = not watched), and again after each further such time. Used for the
 * native heartbeat and the idle HTTP connection; reads and writes are stamped with
 * {@link NodeClock#nanoTime()} so that a test's virtual clock decides what "idle" means. Writes
 * count when they are asked for, which for a heartbeat ping is what matters.
 */
public class IdleDeadlines extends ChannelDuplexHandler {
    private final NodeClock clock;
    private final long readerNanos;
    private final long writerNanos;
    private final long allNanos;
    private long lastRead;
    private long lastWrite;
    private final LoopDeadline[] watches = new LoopDeadline[3];

    public IdleDeadlines(NodeClock clock, long readerIdle, long writerIdle, long allIdle, TimeUnit unit) {
        this.clock = clock;
        this.readerNanos = unit.toNanos(readerIdle);
        this.writerNanos = unit.toNanos(writerIdle);
        this.allNanos = unit.toNanos(allIdle);
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        lastRead = lastWrite = clock.nanoTime();
        watch(ctx, 0, IdleState.READER_IDLE, readerNanos, readerNanos);
        watch(ctx, 1, IdleState.WRITER_IDLE, writerNanos, writerNanos);
        watch(ctx, 2, IdleState.ALL_IDLE, allNanos, allNanos);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        for (int i = 0; i < watches.length; i++) {
            if (watches[i] != null) watches[i].cancel();
            watches[i] = null;
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        handlerRemoved(ctx);
        super.channelInactive(ctx);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        lastRead = clock.nanoTime();
        ctx.fireChannelRead(msg);
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        lastWrite = clock.nanoTime();
        ctx.write(msg, promise);
    }

    /** Checks {@code state} in {@code delayNanos}: fires it when idle that long, else looks again when it could be. */
    private void watch(ChannelHandlerContext ctx, int slot, IdleState state, long idleNanos, long delayNanos) {
        if (idleNanos <= 0 || !ctx.channel().isOpen()) return;
        watches[slot] = LoopDeadline.after(clock, ctx.executor(), delayNanos, TimeUnit.NANOSECONDS, () -> {
            if (ctx.isRemoved()) return;
            long last = switch (state) {
                case READER_IDLE -> lastRead;
                case WRITER_IDLE -> lastWrite;
                case ALL_IDLE -> Math.max(lastRead, lastWrite);
            };
            long idleFor = clock.nanoTime() - last;
            if (idleFor >= idleNanos) {
                watch(ctx, slot, state, idleNanos, idleNanos);
                ctx.fireUserEventTriggered(switch (state) {
                    case READER_IDLE -> IdleStateEvent.READER_IDLE_STATE_EVENT;
                    case WRITER_IDLE -> IdleStateEvent.WRITER_IDLE_STATE_EVENT;
                    case ALL_IDLE -> IdleStateEvent.ALL_IDLE_STATE_EVENT;
                });
            } else {
                watch(ctx, slot, state, idleNanos, idleNanos - idleFor);
            }
        });
    }
}
