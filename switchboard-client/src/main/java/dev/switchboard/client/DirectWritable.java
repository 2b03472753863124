package dev.switchboard.client;

import java.io.IOException;
import io.netty.buffer.ByteBuf;

/**
 * A connection's socket that {@link OutboundWriter} may write to from the caller's thread, outside
 * Netty: the kernel takes writes to a non-blocking socket from any thread.
 */
interface DirectWritable {
    /**
     * Writes what it can of {@code bytes}' readable bytes now, without blocking, and advances their
     * reader index past what it wrote.
     *
     * @return the bytes written: 0 when the socket's buffer is full, or when this socket cannot
     *         take {@code bytes}' memory directly (Netty then copies and writes them)
     * @throws IOException when the socket is closed or reset
     */
    int writeNow(ByteBuf bytes) throws IOException;
}
