package dev.switchboard.client;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Consumer;

/**
 * Writes the client's encoded messages to its connection, on the caller's own thread when it can.
 *
 * <p>A Netty write from outside the event loop is a task for that loop: the caller queues it, wakes
 * the I/O thread, and that thread writes. With a caller blocked on each answer that is a second
 * thread hand-off per request (the answer is the first), which on a busy machine costs more than
 * the request itself. So while nothing is queued in Netty, the caller writes the bytes to the
 * (non-blocking) socket itself; JDK socket channels take writes from any thread. Only when the
 * socket cannot take all of it (its buffer is full) does the rest go through Netty, and every
 * later message queues behind it until Netty has written it, so messages never interleave.
 */
final class OutboundWriter {
    private final Channel channel;
    private final DirectWritable socket; // null: not a channel we can write to directly
    private int queuedInNetty; // guarded by this

    OutboundWriter(Channel channel) {
        this.channel = channel;
        this.socket = ClientTransport.directWriter(channel);
    }

    /**
     * Writes {@code message} (a whole framed message; this takes ownership of it) after every
     * message written before; {@code onFailure} learns when it cannot be written.
     */
    void write(ByteBuf message, Consumer<Throwable> onFailure) {
        synchronized (this) {
            if (queuedInNetty == 0 && socket != null && channel.isActive() && writeDirectly(message)) {
                return;
            }
            queuedInNetty++;
            try {
                // As a task even on the loop itself, so that it stays behind the tasks queued before it.
                channel.eventLoop().execute(() -> channel.writeAndFlush(message).addListener(f -> {
                    synchronized (this) {
                        queuedInNetty--;
                    }
                    if (!f.isSuccess()) {
                        onFailure.accept(f.cause());
                    }
                }));
            } catch (RejectedExecutionException e) {
                queuedInNetty--;
                message.release();
                onFailure.accept(e);
            }
        }
    }

    /** True when the socket took all of {@code message} (then released); else what it took is skipped. */
    private boolean writeDirectly(ByteBuf message) {
        ByteBuffer bytes = message.nioBuffer();
        try {
            while (bytes.hasRemaining() && socket.writeNow(bytes) > 0) {
                // The socket took part of it; offer the rest until it takes nothing.
            }
        } catch (IOException e) {
            // Closed or reset: Netty's write below fails the same way and reports it.
        }
        if (!bytes.hasRemaining()) {
            message.release();
            return true;
        }
        message.skipBytes(bytes.position());
        return false;
    }
}
