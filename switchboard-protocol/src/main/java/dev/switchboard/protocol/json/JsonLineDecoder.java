package dev.switchboard.protocol.json;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.TooLongFrameException;
import java.util.List;

/**
 * Native JSON lines in one handler: cuts the stream into lines as {@link Framing#LINES}'s framer
 * (Netty's line decoder) does — same limit, a {@link TooLongFrameException} passed down the
 * pipeline as soon as a line is known to be too long and the rest of that line skipped, a
 * {@code \r} before the {@code \n} dropped — and parses each line at once with a
 * {@link JsonMessageDecoder}; blank lines are skipped.
 *
 * <p>Why one handler rather than the framer followed by the decoder: each request then reaches the
 * connection without a second decoded-message list and handler hand-off. On the server a request
 * waits for nothing else at one worker, so whatever runs between its read and its answer is the
 * latency the client sees (docs/benchmarks.md, "Native lock path"). Why its own framing: a line is
 * parsed where it lies (no retained slice per line), and its end is found by {@link LineFeeds},
 * whose compiled code does not depend on the line's length (Netty's search does, and was thrown
 * away and compiled again each time the requests' length changed).
 */
public final class JsonLineDecoder extends ByteToMessageDecoder {
    private final JsonMessageDecoder parser;
    private final int maxLineBytes;
    /** Bytes from the reader index already searched without finding the line's end. */
    private int searched;
    /** Inside a line over the limit (already reported): everything up to its end is dropped. */
    private boolean discarding;

    public JsonLineDecoder(int maxMessageBytes, JsonMessageDecoder parser) {
        this.maxLineBytes = maxMessageBytes;
        this.parser = parser;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        int start = in.readerIndex();
        int end = in.writerIndex();
        int eol = LineFeeds.indexOf(in, start + searched, end);
        if (eol < 0) {
            int buffered = end - start;
            if (discarding) {
                in.skipBytes(buffered);
                searched = 0;
            } else if (buffered > maxLineBytes) {
                // Too long before its end has even come: said now, and the rest of it dropped as it arrives.
                in.skipBytes(buffered);
                searched = 0;
                discarding = true;
                ctx.fireExceptionCaught(tooLong("over " + buffered));
            } else {
                searched = buffered;
            }
            return;
        }
        searched = 0;
        in.readerIndex(eol + 1);
        if (discarding) {
            discarding = false; // the end of the line reported as too long: the next line is read again
            return;
        }
        int length = (eol > start && in.getByte(eol - 1) == '\r' ? eol - 1 : eol) - start;
        if (length > maxLineBytes) {
            ctx.fireExceptionCaught(tooLong(Integer.toString(length)));
            return;
        }
        ByteBuf line = in.slice(start, length); // parsed right here: no reference outlives this call
        if (!JsonMessageDecoder.isBlank(line)) {
            out.add(parser.parse(line));
        }
    }

    private TooLongFrameException tooLong(String length) {
        return new TooLongFrameException("line length (" + length + ") exceeds the allowed maximum (" + maxLineBytes + ")");
    }
}
