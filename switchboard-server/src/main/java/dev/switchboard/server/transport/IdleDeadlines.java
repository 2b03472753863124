package dev.switchboard.server.transport;

import dev.switchboard.core.time.NodeClock;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.timeout.IdleState;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.Timeout;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLongFieldUpdater;

/**
 * Netty's {@code IdleStateHandler} on the node's clock: fires an {@link IdleStateEvent} when
 * nothing was read ({@code READER_IDLE}), written ({@code WRITER_IDLE}) or either ({@code
 * ALL_IDLE}) for its time (0 = not watched), and again after each further such time. Used for the
 * native heartbeat and the idle HTTP connection; the checks run on {@link NodeClock}'s timer, so
 * that a test's virtual clock decides what "idle" means. Writes count when they are asked for,
 * which for a heartbeat ping is what matters.
 *
 * <p>Reads and writes are counted, not timed: a check every quarter of the idle time, on the
 * timer's thread, looks whether the count moved since the one before, so an idle connection is
 * noticed between 1 and 1.25 times its idle time after its last read or write. Only an event goes
 * to the connection's event loop: a busy connection's checks never wake it, and a quiet one's
 * wake it once per idle time, as before. Why counts: a clock read per message (36-49 ns on the
 * VMs measured) sat on every request's path from its read to its answer, twice per round trip,
 * for a deadline of seconds (docs/benchmarks.md, "Native lock path, ninth pass").
 */
public class IdleDeadlines extends ChannelDuplexHandler {
    /** Checks per idle time: how late, at most, an idle connection is noticed (a quarter of its time). */
    static final int CHECKS_PER_IDLE = 4;
    private static final IdleState[] STATES = {IdleState.READER_IDLE, IdleState.WRITER_IDLE, IdleState.ALL_IDLE};
    private static final AtomicLongFieldUpdater<IdleDeadlines> READS = AtomicLongFieldUpdater.newUpdater(IdleDeadlines.class, "reads");
    private static final AtomicLongFieldUpdater<IdleDeadlines> WRITES = AtomicLongFieldUpdater.newUpdater(IdleDeadlines.class, "writes");

    private final NodeClock clock;
    private final long[] idleNanos;
    /**
     * Messages read and writes asked for so far: counted on the event loop with ordered stores (no
     * fence on the message's path), read by the checks on the timer's thread.
     */
    private volatile long reads;
    private volatile long writes;
    // A watch's state: touched by one check at a time, each armed by the one before it, which
    // orders their writes; the loop's part after an event is handed over through its state.
    private final long[] seen = new long[3];
    /** When each watch last saw its count move (a moment no earlier than the read or write it counts). */
    private final long[] quietSince = new long[3];
    /** Per watch: {@link #WATCHING}, {@link #FIRING} (its event on its way to the loop) or {@link #FIRED}. */
    private final AtomicIntegerArray states = new AtomicIntegerArray(3);
    private static final int WATCHING = 0;
    private static final int FIRING = 1;
    private static final int FIRED = 2;
    /** The check that sent a watch's event, and the count once the event was handled (read after {@link #FIRED}). */
    private final long[] eventCheckedAt = new long[3];
    private final long[] countAfterEvent = new long[3];
    private final Timeout[] pending = new Timeout[3];
    private volatile boolean stopped;
    private ChannelHandlerContext ctx;

    public IdleDeadlines(NodeClock clock, long readerIdle, long writerIdle, long allIdle, TimeUnit unit) {
        this.clock = clock;
        this.idleNanos = new long[] {unit.toNanos(readerIdle), unit.toNanos(writerIdle), unit.toNanos(allIdle)};
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        if (!ctx.channel().isOpen()) return;
        long now = clock.nanoTime();
        for (int slot = 0; slot < STATES.length; slot++) {
            if (idleNanos[slot] <= 0) continue;
            quietSince[slot] = now;
            arm(slot);
        }
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        stopped = true;
        for (int slot = 0; slot < pending.length; slot++) {
            Timeout t;
            synchronized (pending) {
                t = pending[slot];
                pending[slot] = null;
            }
            if (t != null) t.cancel();
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        handlerRemoved(ctx);
        super.channelInactive(ctx);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        READS.lazySet(this, reads + 1); // only the loop writes it
        ctx.fireChannelRead(msg);
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        WRITES.lazySet(this, writes + 1);
        ctx.write(msg, promise);
    }

    private long checkNanos(int slot) {
        return Math.max(1, idleNanos[slot] / CHECKS_PER_IDLE);
    }

    /** The watch's next check, a quarter of its idle time from now. */
    private void arm(int slot) {
        if (stopped) return;
        try {
            Timeout t = clock.timer().newTimeout(timeout -> check(slot), checkNanos(slot), TimeUnit.NANOSECONDS);
            synchronized (pending) {
                pending[slot] = t;
            }
            if (stopped) t.cancel(); // removed meanwhile
        } catch (IllegalStateException timerStopped) {
            // the node is stopping: its timer takes no more tasks, and the connection is closing
        }
    }

    /** One watch's check, on the timer's thread: still for its whole idle time, its event goes to the loop. */
    private void check(int slot) {
        if (stopped) return;
        int state = states.get(slot);
        if (state == FIRING) { // the event has not reached the loop yet: nothing to decide
            arm(slot);
            return;
        }
        if (state == FIRED) {
            // The event counts as activity at the check that sent it, and what it wrote (a
            // heartbeat's ping) as seen: pings keep the heartbeat's period.
            seen[slot] = countAfterEvent[slot];
            quietSince[slot] = eventCheckedAt[slot];
            states.set(slot, WATCHING);
        }
        long now = clock.nanoTime();
        long count = count(slot);
        // Half a check early counts: four checks of a quarter (rounded down) of the idle time can
        // fall a little short of it, and without the slack the event would wait one check more.
        if (count != seen[slot] || now - quietSince[slot] < idleNanos[slot] - checkNanos(slot) / 2) {
            if (count != seen[slot]) {
                seen[slot] = count;
                quietSince[slot] = now;
            }
            arm(slot);
            return;
        }
        eventCheckedAt[slot] = now;
        states.set(slot, FIRING);
        arm(slot); // the next check does not wait for the loop
        try {
            ctx.executor().execute(() -> fire(slot));
        } catch (RejectedExecutionException loopStopped) {
            stopped = true; // the connection's loop is shut down: nothing left to watch
        }
    }

    /** On the loop: the event; the next check takes it from there. */
    private void fire(int slot) {
        if (!stopped && !ctx.isRemoved()) {
            ctx.fireUserEventTriggered(switch (STATES[slot]) {
                case READER_IDLE -> IdleStateEvent.READER_IDLE_STATE_EVENT;
                case WRITER_IDLE -> IdleStateEvent.WRITER_IDLE_STATE_EVENT;
                case ALL_IDLE -> IdleStateEvent.ALL_IDLE_STATE_EVENT;
            });
        }
        countAfterEvent[slot] = count(slot);
        states.set(slot, FIRED); // publishes the count to the next check
    }

    private long count(int slot) {
        return switch (STATES[slot]) {
            case READER_IDLE -> reads;
            case WRITER_IDLE -> writes;
            case ALL_IDLE -> reads + writes;
        };
    }
}
