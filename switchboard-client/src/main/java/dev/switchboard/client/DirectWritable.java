package dev.switchboard.client;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * A connection's socket that {@link OutboundWriter} may write to from the caller's thread, outside
 * Netty: the kernel takes writes to a non-blocking socket from any thread.
 */
interface DirectWritable {
    /**
     * Writes what it can of {@code bytes} now, without blocking, and advances their position.
     *
     * @return the bytes written: 0 when the socket's buffer is full
     * @throws IOException when the socket is closed or reset
     */
    int writeNow(ByteBuffer bytes) throws IOException;
}
