package dev.switchboard.server.transport;

import dev.switchboard.core.session.AcknowledgedEvent;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelOutboundInvoker;
import io.netty.channel.EventLoop;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.internal.PlatformDependent;
import java.util.Queue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The bound on pushed messages (signals, events) not yet handed to one connection: past it the
 * connection is too slow, and the caller disconnects it rather than buffer without limit. Safe
 * to call from any thread; messages keep their order on the channel.
 *
 * <p>Writes are batched: a pushed message waits in a queue, and one task per connection per burst
 * (not one per message, and whichever thread pushed) writes everything queued, on the connection's
 * event loop, and flushes once. Consecutive {@link PushedBytes} go into one buffer, so the kernel
 * sees one write of many messages. A connection that also writes other messages (replies) calls
 * {@link #drainBeforeWrite()} before each, so that an event queued before a reply is written before
 * it — a client that publishes on a channel it listens to still gets its event before the answer.
 *
 * <p>What is bounded: the messages waiting here, which the client cannot have received. Messages
 * leave the count when they are handed to the channel, not when their write completes: a write's
 * listener runs on the event loop after the socket write, and on a busy machine the client may
 * read the bytes (and its publisher, seeing them received, send more) long before it runs — a
 * client reading at full speed would then be cut for the server's own lateness. A client that does
 * not read still fills the bound: messages are handed to the channel only while it is writable
 * (Netty's buffer below its high-water mark), so behind a full socket they wait here, and queue.
 * An HTTP stream's queue is the exception: its pipeline bounds Netty's buffer in bytes
 * ({@code --http-max-pending-bytes}) and cuts the reader itself, and there a message counts until
 * its write is done.
 */
public final class PushQueue implements EventPushes {
    private final Channel channel;
    private final ChannelOutboundInvoker out;
    private final EventLoop loop;
    private final int max;
    /**
     * An HTTP stream's queue (its pipeline bounds Netty's buffer in bytes, and no handler tells the
     * queue of writability): messages are handed over at once and count until their write is done.
     */
    private final boolean countsUntilWritten;
    private final AtomicInteger queued = new AtomicInteger();
    private final Runnable onFull;
    /** Many threads push, the event loop alone takes: an array-backed queue, no node per message. */
    private final Queue<Object> waiting = PlatformDependent.newMpscQueue();
    private final AtomicBoolean drainScheduled = new AtomicBoolean();
    private final Runnable drainTask = this::drainFromTask;
    /** On the event loop: the channel was not writable and messages were left waiting. */
    private boolean paused;
    /** Listener of each write (and of the close): a paused queue tries again, as Netty's buffer has shrunk. */
    private final ChannelFutureListener resumeIfPaused = f -> resumeIfPaused();

    /**
     * A queue that writes from the tail of {@code channel}'s pipeline; {@code onFull} runs each
     * time a message finds the queue full (it counts the limit hit).
     */
    public PushQueue(Channel channel, int max, Runnable onFull) {
        this(channel, channel, max, onFull, true);
    }

    /**
     * A queue that writes through {@code out} (a handler's context, below the handler that owns the
     * queue), whose owner tells it when the channel's writability changes.
     */
    public PushQueue(Channel channel, ChannelOutboundInvoker out, int max, Runnable onFull) {
        this(channel, out, max, onFull, false);
    }

    private PushQueue(Channel channel, ChannelOutboundInvoker out, int max, Runnable onFull, boolean countsUntilWritten) {
        this.countsUntilWritten = countsUntilWritten;
        this.channel = channel;
        this.out = out;
        this.loop = channel.eventLoop();
        this.max = max;
        this.onFull = onFull;
        // Messages still waiting when the channel closes are written (and so released) by a last drain.
        channel.closeFuture().addListener(resumeIfPaused);
    }

    /** Queues {@code message}, or releases it and returns false when the queue is full or the channel gone. */
    public boolean offer(Object message) {
        if (!channel.isActive()) {
            release(message);
            return false;
        }
        if (queued.incrementAndGet() > max) {
            queued.decrementAndGet();
            release(message);
            onFull.run();
            return false;
        }
        waiting.add(message);
        if (drainScheduled.compareAndSet(false, true)) loop.execute(drainTask);
        return true;
    }

    @Override
    public dev.switchboard.core.session.SessionConnection.Delivery offerEvent(long seq, Object message,
            dev.switchboard.core.session.SessionEvent event) {
        return offerEvent(message, event);
    }

    /** {@link #offer} as a session sees it: a refusal from a closed channel is not a slow consumer. */
    public dev.switchboard.core.session.SessionConnection.Delivery offerEvent(Object message) {
        return offerEvent(message, null);
    }

    /**
     * {@link #offerEvent(Object)} of {@code event} encoded as {@code message}; an event that waits
     * for its write (a stream's chunk) is told when the write is done.
     */
    public dev.switchboard.core.session.SessionConnection.Delivery offerEvent(Object message,
            dev.switchboard.core.session.SessionEvent event) {
        Object queued = event instanceof AcknowledgedEvent a ? new Acknowledged(message, a) : message;
        if (offer(queued)) return dev.switchboard.core.session.SessionConnection.Delivery.ACCEPTED;
        return channel.isActive() ? dev.switchboard.core.session.SessionConnection.Delivery.FULL
                : dev.switchboard.core.session.SessionConnection.Delivery.CLOSED;
    }

    /** On the event loop, before the owner writes anything else: what is queued goes first (flushed with it). */
    @Override
    public void drainBeforeWrite() {
        // Everything waiting goes before the reply, writable or not: a reply never overtakes an event.
        if (!waiting.isEmpty()) drain(false);
    }

    /**
     * On the event loop: the channel's writability changed (told by the owning handler; a connection
     * without one is also resumed when one of its writes completes, or by its next message).
     */
    @Override
    public void writabilityChanged() {
        if (paused && channel.isWritable()) {
            drain(true);
            out.flush();
        }
    }

    private void resumeIfPaused() {
        if (paused && drainScheduled.compareAndSet(false, true)) loop.execute(drainTask);
    }

    private void drainFromTask() {
        drainScheduled.set(false); // before draining: a message queued from now on schedules another task
        drain(true);
        out.flush(); // also what drainBeforeWrite wrote, if the write that followed it was not flushed
    }

    /** On the event loop: writes what is queued, in order, without flushing; while writable when asked. */
    private void drain(boolean onlyWhileWritable) {
        paused = false;
        while (!waiting.isEmpty()) {
            // A closed channel is not writable either: there, the writes fail and release the messages.
            if (onlyWhileWritable && !countsUntilWritten && !channel.isWritable() && channel.isActive()) {
                paused = true;
                return;
            }
            if (!drainBatch()) return;
        }
    }

    /** Writes the next queued message, or the next run of wire-ready ones in one buffer: one write; false if none. */
    private boolean drainBatch() {
        Object next = waiting.poll();
        if (next == null) return false;
        if (next instanceof Acknowledged a) {
            // Written on its own, so that its sender hears when this very write is done.
            Object msg = a.message();
            if (msg instanceof PushedBytes bytes) {
                ByteBuf buf = channel.alloc().ioBuffer(Math.max(256, bytes.size()));
                bytes.writeTo(buf);
                msg = buf;
            }
            handedOver(1, out.write(msg)).addListener(f -> {
                if (f.isSuccess()) a.event().written();
            });
            return true;
        }
        if (!(next instanceof PushedBytes first)) {
            handedOver(1, out.write(next));
            return true;
        }
        // A run of wire-ready messages: one buffer, one write.
        ByteBuf run = channel.alloc().ioBuffer(Math.max(256, first.size() * 4));
        first.writeTo(run);
        int count = 1;
        while (waiting.peek() instanceof PushedBytes bytes) {
            waiting.poll();
            bytes.writeTo(run);
            count++;
        }
        handedOver(count, out.write(run));
        return true;
    }

    /** {@code count} messages were handed to the channel in {@code write}: they leave the count (or will, once written). */
    private ChannelFuture handedOver(int count, ChannelFuture write) {
        if (countsUntilWritten) return write.addListener(f -> queued.addAndGet(-count));
        queued.addAndGet(-count); // from now on only the channel's writability holds them back
        return write.addListener(resumeIfPaused);
    }

    private static void release(Object message) {
        ReferenceCountUtil.release(message instanceof Acknowledged a ? a.message() : message);
    }

    /** An event's message whose write its sender waits for. */
    private record Acknowledged(Object message, AcknowledgedEvent event) {
    }

}
