package dev.switchboard.server.transport;

import io.netty.channel.Channel;
import io.netty.util.ReferenceCountUtil;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The bound on pushed messages (signals, events) not yet written to one connection: past it the
 * connection is too slow, and the caller disconnects it rather than buffer without limit. Safe
 * to call from any thread; writes keep their order on the channel.
 */
public final class PushQueue {
    private final Channel channel;
    private final int max;
    private final AtomicInteger queued = new AtomicInteger();
    private final Runnable onFull;

    /** {@code onFull} runs each time a message finds the queue full (it counts the limit hit). */
    public PushQueue(Channel channel, int max, Runnable onFull) {
        this.channel = channel;
        this.max = max;
        this.onFull = onFull;
    }

    /** Writes {@code message}, or releases it and returns false when the queue is full or the channel gone. */
    public boolean offer(Object message) {
        if (!channel.isActive()) {
            ReferenceCountUtil.release(message);
            return false;
        }
        if (queued.incrementAndGet() > max) {
            queued.decrementAndGet();
            ReferenceCountUtil.release(message);
            onFull.run();
            return false;
        }
        channel.writeAndFlush(message).addListener(f -> queued.decrementAndGet());
        return true;
    }
}
