package dev.switchboard.core.rpc;

import dev.switchboard.protocol.Payload;
import dev.switchboard.protocol.Reply;

/**
 * Something that reads a streaming call's chunks besides its caller's session — an HTTP response
 * at the stream's URL. It gets the chunks not yet taken, then each new one, in order, and the
 * call's outcome last. Its calls come from any thread, one after the other.
 */
public interface StreamReader {
    /** Chunk {@code index}; {@code taken} runs once it is written (the producer then sends the next). */
    void chunk(long index, Payload payload, Runnable taken);

    /** The call's outcome: the stream is over. */
    void end(Reply outcome);
}
