package dev.switchboard.protocol.json;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.LineBasedFrameDecoder;

/**
 * Native JSON lines in one handler: cuts the stream into lines exactly as {@link Framing#LINES}'s
 * framer does (same limit, same {@link io.netty.handler.codec.TooLongFrameException} as soon as a
 * line is known to be too long, a {@code \r} before the {@code \n} dropped) and parses each line at
 * once with a {@link JsonMessageDecoder}; blank lines are skipped.
 *
 * <p>Why one handler rather than the framer followed by the decoder: each request then reaches the
 * connection without a second decoded-message list and handler hand-off. On the server a request
 * waits for nothing else at one worker, so whatever runs between its read and its answer is the
 * latency the client sees (docs/benchmarks.md, "Native lock path").
 */
public final class JsonLineDecoder extends LineBasedFrameDecoder {
    private final JsonMessageDecoder parser;

    public JsonLineDecoder(int maxMessageBytes, JsonMessageDecoder parser) {
        super(maxMessageBytes, true, true);
        this.parser = parser;
    }

    /** The next line's message, or null when no whole line is buffered or the line was blank. */
    @Override
    protected Object decode(ChannelHandlerContext ctx, ByteBuf buffer) throws Exception {
        ByteBuf line = (ByteBuf) super.decode(ctx, buffer);
        if (line == null) {
            return null; // the caller goes on while bytes were taken (a blank line), else waits for more
        }
        try {
            return JsonMessageDecoder.isBlank(line) ? null : parser.parse(line);
        } finally {
            line.release();
        }
    }
}
