package dev.switchboard.protocol.json;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandler;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import io.netty.handler.codec.LineBasedFrameDecoder;

/**
 * How native JSON messages are delimited on a byte stream. A message over the limit fails the
 * framer with a {@link io.netty.handler.codec.TooLongFrameException} as soon as that is known,
 * without buffering the rest of it.
 */
public enum Framing {
    /** One message per line, ended by {@code \n} (a {@code \r} before it is dropped too). */
    LINES {
        @Override
        public ChannelHandler newFramer(int maxMessageBytes) {
            return new LineBasedFrameDecoder(maxMessageBytes, true, true);
        }

        @Override
        void begin(ByteBuf out) {
        }

        @Override
        void end(ByteBuf out, int start) {
            // The JSON writer escapes control characters inside strings, so this is the only
            // raw newline of the message.
            out.writeByte('\n');
        }
    },

    /** A 4-byte big-endian length, then that many bytes of JSON; the length excludes itself. */
    LENGTH_PREFIXED {
        @Override
        public ChannelHandler newFramer(int maxMessageBytes) {
            // The decoder's maximum counts the length field; it is stripped from the output.
            return new LengthFieldBasedFrameDecoder(maxMessageBytes + LENGTH_BYTES, 0, LENGTH_BYTES, 0, LENGTH_BYTES, true);
        }

        @Override
        void begin(ByteBuf out) {
            out.writeInt(0); // filled in by end(), once the length is known
        }

        @Override
        void end(ByteBuf out, int start) {
            out.setInt(start, out.writerIndex() - start - LENGTH_BYTES);
        }
    };

    static final int LENGTH_BYTES = 4;

    /** A decoder that cuts the stream into messages of at most {@code maxMessageBytes} each. */
    public abstract ChannelHandler newFramer(int maxMessageBytes);

    /** Writes what goes before a message's JSON. */
    abstract void begin(ByteBuf out);

    /** Writes what goes after a message's JSON, which started at {@code start}. */
    abstract void end(ByteBuf out, int start);
}
