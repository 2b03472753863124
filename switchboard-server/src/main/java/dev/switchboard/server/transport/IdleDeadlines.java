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
 * native heartbeat and the idle HTTP connection; the checks run on {@link NodeClock}'s timer, so
 * that a test's virtual clock decides what "idle" means. Writes count when they are asked for,
 * which for a heartbeat ping is what matters.
 *
 * <p>Reads and writes are counted, not timed: a check every quarter of the idle time looks whether
 * the count moved since the one before, so an idle connection is noticed between 1 and 1.25 times
 * its idle time after its last read or write. Why: a clock read per message (36-49 ns on the VMs
 * measured) sat on every request's path from its read to its answer, twice per round trip, for a
 * deadline of seconds (docs/benchmarks.md, "Native lock path, ninth pass").
 */
public class IdleDeadlines extends ChannelDuplexHandler {
    /** Checks per idle time: how late, at most, an idle connection is noticed (a quarter of its time). */
    static final int CHECKS_PER_IDLE = 4;
    private static final IdleState[] STATES = {IdleState.READER_IDLE, IdleState.WRITER_IDLE, IdleState.ALL_IDLE};

    private final NodeClock clock;
    private final long[] idleNanos;
    /** Messages read and writes asked for so far; a check compares them with what it saw last. */
    private long reads;
    private long writes;
    private final long[] seen = new long[3];
    /** When each watch last saw its count still (a moment no later than the last read or write it counts). */
    private final long[] quietSince = new long[3];
    private final LoopDeadline[] watches = new LoopDeadline[3];

    public IdleDeadlines(NodeClock clock, long readerIdle, long writerIdle, long allIdle, TimeUnit unit) {
        this.clock = clock;
        this.idleNanos = new long[] {unit.toNanos(readerIdle), unit.toNanos(writerIdle), unit.toNanos(allIdle)};
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        long now = clock.nanoTime();
        for (int i = 0; i < STATES.length; i++) {
            if (idleNanos[i] <= 0 || !ctx.channel().isOpen()) continue;
            quietSince[i] = now;
            int slot = i;
            watches[i] = LoopDeadline.every(clock, ctx.executor(), checkNanos(i), TimeUnit.NANOSECONDS, () -> check(ctx, slot));
        }
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
        reads++;
        ctx.fireChannelRead(msg);
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        writes++;
        ctx.write(msg, promise);
    }

    private long checkNanos(int slot) {
        return Math.max(1, idleNanos[slot] / CHECKS_PER_IDLE);
    }

    /** One watch's check, on the loop: still since it last looked for its whole idle time fires its event. */
    private void check(ChannelHandlerContext ctx, int slot) {
        if (ctx.isRemoved()) return;
        long now = clock.nanoTime();
        long count = count(slot);
        if (count != seen[slot]) {
            seen[slot] = count;
            quietSince[slot] = now;
            return;
        }
        // Half a check early counts: the check that saw the last move ran a little after it fell due,
        // and without the slack the one a whole idle time later would miss by that little.
        if (now - quietSince[slot] >= idleNanos[slot] - checkNanos(slot) / 2) {
            ctx.fireUserEventTriggered(switch (STATES[slot]) {
                case READER_IDLE -> IdleStateEvent.READER_IDLE_STATE_EVENT;
                case WRITER_IDLE -> IdleStateEvent.WRITER_IDLE_STATE_EVENT;
                case ALL_IDLE -> IdleStateEvent.ALL_IDLE_STATE_EVENT;
            });
            // What the event made (a heartbeat's ping) was written just now: the next idle time
            // counts from here, so pings keep the heartbeat's period; with nothing done, the event
            // comes again after another idle time.
            seen[slot] = count(slot);
            quietSince[slot] = now;
        }
    }

    private long count(int slot) {
        return switch (STATES[slot]) {
            case READER_IDLE -> reads;
            case WRITER_IDLE -> writes;
            case ALL_IDLE -> reads + writes;
        };
    }
}
