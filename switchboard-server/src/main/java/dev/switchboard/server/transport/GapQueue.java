package dev.switchboard.server.transport;

import dev.switchboard.core.session.AcknowledgedEvent;
import dev.switchboard.core.session.SessionConnection;
import dev.switchboard.core.session.SessionEvent;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOutboundInvoker;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayDeque;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The pushed events of one connection under {@code --slow-consumer-policy drop-oldest}: at most
 * {@code max} events wait here, and they go to the socket only while the channel is writable (so
 * that a client that does not read cannot make Netty's buffer grow beyond its high-water mark).
 * When an event finds the queue full, the oldest waiting one is dropped; the next event written
 * is preceded by a {@code gap} naming the sequence numbers dropped, so the client knows exactly
 * what it did not get. The dropped events are still in the session's replay buffer while it
 * holds them: a client may resume with {@code last_seq = from_seq - 1} to have them again.
 *
 * <p>Safe to call from any thread; one monitor guards the queue and the pending gap, held for
 * bookkeeping only (nothing is written under it).
 */
public final class GapQueue implements EventPushes {
    /** Makes the wire message of a gap (the events numbered {@code fromSeq..toSeq} were dropped). */
    public interface GapEncoder {
        Object gap(long fromSeq, long toSeq);
    }

    private record Waiting(long seq, Object message, SessionEvent event) {
    }

    private final Channel channel;
    private final ChannelOutboundInvoker out;
    private final int max;
    private final GapEncoder gaps;
    private final Runnable onDrop;
    private final ArrayDeque<Waiting> waiting = new ArrayDeque<>();
    private final AtomicBoolean drainScheduled = new AtomicBoolean();
    private final Runnable drainTask = this::drainFromTask;
    /** The dropped events not yet told to the client, 0 when none; guarded by this. */
    private long gapFrom;
    private long gapTo;

    /** {@code onDrop} runs once per dropped event (it counts them). */
    public GapQueue(Channel channel, ChannelOutboundInvoker out, int max, GapEncoder gaps, Runnable onDrop) {
        this.channel = channel;
        this.out = out;
        this.max = max;
        this.gaps = gaps;
        this.onDrop = onDrop;
    }

    @Override
    public SessionConnection.Delivery offerEvent(long seq, Object message, SessionEvent event) {
        if (!channel.isActive()) {
            ReferenceCountUtil.release(message);
            return SessionConnection.Delivery.CLOSED;
        }
        Waiting dropped = null;
        synchronized (this) {
            if (waiting.size() >= max) {
                dropped = waiting.poll();
                if (gapFrom == 0) gapFrom = dropped.seq;
                gapTo = dropped.seq;
            }
            waiting.add(new Waiting(seq, message, event));
        }
        if (dropped != null) {
            ReferenceCountUtil.release(dropped.message);
            onDrop.run();
        }
        if (drainScheduled.compareAndSet(false, true)) channel.eventLoop().execute(drainTask);
        return SessionConnection.Delivery.ACCEPTED;
    }

    @Override
    public void drainBeforeWrite() {
        // Everything waiting goes before the reply, writable or not: a reply never overtakes an event.
        drain(false);
    }

    @Override
    public void writabilityChanged() {
        if (channel.isWritable()) {
            drain(true);
            out.flush();
        }
    }

    private void drainFromTask() {
        drainScheduled.set(false);
        drain(true);
        out.flush();
    }

    /** On the event loop: writes what waits, in order, each gap before the event after it; while writable when asked. */
    private void drain(boolean onlyWhileWritable) {
        while (!onlyWhileWritable || channel.isWritable()) {
            Waiting next;
            long from;
            long to;
            synchronized (this) {
                next = waiting.poll();
                if (next == null) return;
                from = gapFrom;
                to = gapTo;
                gapFrom = 0;
                gapTo = 0;
            }
            if (from != 0) out.write(gaps.gap(from, to));
            io.netty.channel.ChannelFuture written = out.write(wire(next.message));
            // A stream's chunk: its sender waits for this write (a dropped chunk is never acknowledged,
            // and its sender hears slow_consumer at the call's deadline).
            if (next.event instanceof AcknowledgedEvent a) written.addListener(f -> {
                if (f.isSuccess()) a.written();
            });
        }
    }

    private Object wire(Object message) {
        if (!(message instanceof PushedBytes bytes)) return message;
        ByteBuf buf = channel.alloc().ioBuffer(bytes.size());
        bytes.writeTo(buf);
        return buf;
    }

    /** Events waiting (for tests and stats). */
    public synchronized int size() {
        return waiting.size();
    }
}
