package dev.switchboard.server.transport;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.EventLoop;
import io.netty.util.ReferenceCountUtil;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The bound on pushed messages (signals, events) not yet written to one connection: past it the
 * connection is too slow, and the caller disconnects it rather than buffer without limit. Safe
 * to call from any thread; messages keep their order on the channel.
 *
 * <p>Writes are batched. A message pushed from another thread waits in a queue, and one task per
 * connection per burst (not one per message) writes everything queued on the connection's event
 * loop and flushes once. A message pushed on the event loop itself is written at once, so that it
 * stays ahead of whatever the loop writes next (a reply), and flushed once at the end of the burst.
 * Consecutive {@link PushedBytes} go into one buffer: the kernel sees one write of many messages.
 */
public final class PushQueue {
    private final Channel channel;
    private final EventLoop loop;
    private final int max;
    private final AtomicInteger queued = new AtomicInteger();
    private final Queue<Object> waiting = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean drainScheduled = new AtomicBoolean();
    private final Runnable drainTask = this::drainFromTask;
    private final Runnable flushTask = this::flushFromTask;
    /** Event loop only: a flush is already due at the end of this burst. */
    private boolean flushScheduled;

    public PushQueue(Channel channel, int max) {
        this.channel = channel;
        this.loop = channel.eventLoop();
        this.max = max;
    }

    /** Writes {@code message}, or releases it and returns false when the queue is full or the channel gone. */
    public boolean offer(Object message) {
        if (!channel.isActive() || queued.incrementAndGet() > max) {
            queued.decrementAndGet();
            ReferenceCountUtil.release(message);
            return false;
        }
        waiting.add(message);
        if (loop.inEventLoop()) {
            drain(); // what another thread queued before is written first
            if (!flushScheduled) {
                flushScheduled = true;
                loop.execute(flushTask);
            }
        } else if (drainScheduled.compareAndSet(false, true)) {
            loop.execute(drainTask);
        }
        return true;
    }

    private void drainFromTask() {
        drainScheduled.set(false); // before draining: a message queued from now on schedules another task
        if (drain()) channel.flush();
    }

    private void flushFromTask() {
        flushScheduled = false;
        channel.flush();
    }

    /** On the event loop: writes everything queued, in order, without flushing; true when it wrote anything. */
    private boolean drain() {
        boolean wrote = false;
        Object next = waiting.poll();
        while (next != null) {
            wrote = true;
            if (!(next instanceof PushedBytes)) {
                channel.write(next).addListener(done(1));
                next = waiting.poll();
                continue;
            }
            // A run of wire-ready messages: one buffer, one write.
            ByteBuf run = null;
            int count = 0;
            while (next instanceof PushedBytes bytes) {
                if (run == null) run = channel.alloc().ioBuffer(Math.max(256, bytes.size() * 4));
                bytes.writeTo(run);
                count++;
                next = waiting.poll();
            }
            channel.write(run).addListener(done(count));
        }
        return wrote;
    }

    /** The messages of one write leave the queue when it is done, written or failed. */
    private ChannelFutureListener done(int count) {
        return f -> queued.addAndGet(-count);
    }
}
