package dev.switchboard.server.transport.dflockd;

import dev.switchboard.protocol.json.LineFeeds;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Splits the byte stream into dflockd requests of exactly three {@code \n}-terminated lines. A
 * line may hold 256 bytes before its {@code \n} (a {@code \r} counts), except the argument line of
 * {@code auth} and {@code signal}, which may hold 64 KiB. A longer line yields {@link LineTooLong}
 * and nothing more is decoded.
 */
final class DflockdLineDecoder extends ByteToMessageDecoder {
    static final int MAX_LINE = 256;
    static final int MAX_LONG_ARG = 64 * 1024;

    private String command;
    private String key;
    private boolean overflowing;
    private boolean failed;

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (overflowing) {
            discardRestOfLine(in, out);
        }
        while (!failed && !overflowing) {
            int cap = command != null && key != null && hasLongArg(command) ? MAX_LONG_ARG : MAX_LINE;
            int start = in.readerIndex();
            int searchEnd = Math.min(in.writerIndex(), start + cap + 1);
            int eol = LineFeeds.indexOf(in, start, searchEnd); // compiled code that holds whatever the lines' length
            if (eol < 0) {
                if (in.readableBytes() > cap) {
                    overflowing = true;
                    discardRestOfLine(in, out);
                }
                return;
            }
            int length = eol - start;
            if (length > cap) {
                in.readerIndex(eol + 1);
                fail(in, out);
                return;
            }
            int textLength = length > 0 && in.getByte(eol - 1) == '\r' ? length - 1 : length;
            String line = in.toString(start, textLength, StandardCharsets.UTF_8);
            in.skipBytes(length + 1);
            if (command == null) {
                command = line;
            } else if (key == null) {
                key = line;
            } else {
                out.add(new DflockdRequest(command, key, line));
                command = null;
                key = null;
            }
        }
        in.skipBytes(in.readableBytes());
    }

    /** Drops bytes up to and including the next {@code \n}; the answer waits for it. */
    private void discardRestOfLine(ByteBuf in, List<Object> out) {
        int eol = LineFeeds.indexOf(in, in.readerIndex(), in.writerIndex());
        if (eol < 0) {
            in.skipBytes(in.readableBytes());
            return;
        }
        in.readerIndex(eol + 1);
        overflowing = false;
        fail(in, out);
    }

    private void fail(ByteBuf in, List<Object> out) {
        failed = true;
        in.skipBytes(in.readableBytes());
        out.add(LineTooLong.INSTANCE);
    }

    private static boolean hasLongArg(String command) {
        return command.equals("auth") || command.equals("signal");
    }
}
