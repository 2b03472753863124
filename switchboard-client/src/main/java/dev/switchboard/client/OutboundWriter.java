package dev.switchboard.client;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import java.io.IOException;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Consumer;

/**
 * Encodes the client's messages and writes them to its connection, on the caller's own thread when
 * it can.
 *
 * <p>A Netty write from outside the event loop is a task for that loop: the caller queues it, wakes
 * the I/O thread, and that thread writes. With a caller blocked on each answer that is a second
 * thread hand-off per request (the answer is the first), which on a busy machine costs more than
 * the request itself. So while nothing is queued in Netty, the caller writes the bytes to the
 * (non-blocking) socket itself; JDK socket channels take writes from any thread. Only when the
 * socket cannot take all of it (its buffer is full) does the rest go through Netty, and every
 * later message queues behind it until Netty has written it, so messages never interleave.
 *
 * <p>A message written directly is encoded into one buffer the writer keeps for the connection,
 * under the same lock as the write: no buffer is taken from the pool and given back per message.
 * A message that grew that buffer past {@link #KEPT_BUFFER_BYTES} does not leave it that large.
 */
final class OutboundWriter {
    /** Encodes one whole framed message at the buffer's writer index. */
    interface Encoding {
        void writeTo(ByteBuf out);
    }

    /** The largest buffer kept between messages; a larger one is given back after its message. */
    static final int KEPT_BUFFER_BYTES = 16 * 1024;
    private static final int FIRST_BUFFER_BYTES = 256;

    private final Channel channel;
    private final DirectWritable socket; // null: not a channel we can write to directly
    private int queuedInNetty; // guarded by this
    private ByteBuf kept; // guarded by this; null until the first direct write, and once closed
    private boolean closed; // guarded by this

    OutboundWriter(Channel channel) {
        this.channel = channel;
        this.socket = ClientTransport.directWriter(channel);
    }

    /**
     * Encodes a message and writes it after every message written before; {@code onFailure}
     * learns when it cannot be written. An exception from {@code encoding} is thrown to the
     * caller, with nothing written.
     */
    void write(Encoding encoding, Consumer<Throwable> onFailure) {
        synchronized (this) {
            if (queuedInNetty == 0 && socket != null && !closed && channel.isActive()) {
                ByteBuf buf = keptBuffer();
                buf.clear();
                encoding.writeTo(buf);
                // When the socket is full, the rest goes through Netty in a buffer of its own.
                ByteBuf rest = writeDirectly(buf) ? null : copyOfRest(buf);
                if (buf.capacity() > KEPT_BUFFER_BYTES) {
                    buf.release();
                    kept = null;
                }
                if (rest != null) {
                    queue(rest, onFailure);
                }
                return;
            }
            ByteBuf own = channel.alloc().ioBuffer(FIRST_BUFFER_BYTES);
            try {
                encoding.writeTo(own);
            } catch (RuntimeException e) {
                own.release();
                throw e;
            }
            queue(own, onFailure);
        }
    }

    /** Gives back the kept buffer; later messages go through Netty, which fails them on a closed channel. */
    synchronized void close() {
        closed = true;
        if (kept != null) {
            kept.release();
            kept = null;
        }
    }

    private ByteBuf keptBuffer() {
        if (kept == null) {
            kept = channel.alloc().directBuffer(FIRST_BUFFER_BYTES);
        }
        return kept;
    }

    /** A copy of what the socket has not taken: the kept buffer is reused by the next message. */
    private ByteBuf copyOfRest(ByteBuf buf) {
        return channel.alloc().ioBuffer(buf.readableBytes()).writeBytes(buf);
    }

    /** Hands {@code message} (whose ownership this takes) to Netty, behind every task queued before it. */
    private void queue(ByteBuf message, Consumer<Throwable> onFailure) {
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

    /** True when the socket took all of {@code buf}'s readable bytes; else its reader index is past what it took. */
    private boolean writeDirectly(ByteBuf buf) {
        try {
            while (buf.isReadable() && socket.writeNow(buf) > 0) {
                // The socket took part of it; offer the rest until it takes nothing.
            }
        } catch (IOException e) {
            // Closed or reset: Netty's write of the rest fails the same way and reports it.
        }
        return !buf.isReadable();
    }
}
