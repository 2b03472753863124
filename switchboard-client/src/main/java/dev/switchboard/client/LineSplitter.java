package dev.switchboard.client;

import dev.switchboard.protocol.json.LineFeeds;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.codec.TooLongFrameException;

/**
 * Cuts the bytes read from a connection into lines ({@code \n}, a {@code \r} before it dropped
 * too) and hands each one to a {@link LineConsumer} as a range of the buffer it was read into.
 *
 * <p>Why not Netty's line decoder: each line it emits is a retained slice that travels through the
 * pipeline to the next handler and is released there. An answer then costs a slice, a list from a
 * recycler and two more handler calls before anyone looks at it; with one answer per wake-up (one
 * caller, one request in flight) that path is most of the client's work per call. Here a line is
 * read where it lies, and only a line cut by the end of a read is copied, into a buffer kept until
 * its end arrives. Line ends are found by {@link LineFeeds}, whose compiled code does not depend on
 * the lines' length (an answer's length changes as request ids and fences gain digits).
 *
 * <p>Bounds: a line longer than {@code maxLineBytes} fails with {@link TooLongFrameException} as
 * soon as that is known, without buffering the rest of it; the splitter then keeps nothing and the
 * connection is expected to close.
 */
final class LineSplitter {
    /** Sees one line: {@code length} bytes of {@code buf} from {@code from}, without its end of line. */
    interface LineConsumer {
        void line(ByteBuf buf, int from, int length);
    }

    private final int maxLineBytes;
    private final ByteBufAllocator alloc;
    /** The start of a line whose end has not been read yet; null when none. */
    private ByteBuf partial;

    LineSplitter(int maxLineBytes, ByteBufAllocator alloc) {
        this.maxLineBytes = maxLineBytes;
        this.alloc = alloc;
    }

    /**
     * Hands every complete line of {@code in} (after any partial line kept from before) to
     * {@code consumer}, keeps what follows the last one, and releases {@code in}.
     */
    void split(ByteBuf in, LineConsumer consumer) {
        try {
            int at = in.readerIndex();
            int end = in.writerIndex();
            if (partial != null) {
                int eol = LineFeeds.indexOf(in, at, end);
                if (eol < 0) {
                    keep(in, at, end);
                    return;
                }
                checkKept(partial.readableBytes() + (eol - at));
                partial.writeBytes(in, at, eol - at);
                ByteBuf line = partial;
                partial = null;
                try {
                    emit(line, line.readerIndex(), line.writerIndex(), consumer);
                } finally {
                    line.release();
                }
                at = eol + 1;
            }
            for (int eol; at < end && (eol = LineFeeds.indexOf(in, at, end)) >= 0; at = eol + 1) {
                emit(in, at, eol, consumer);
            }
            if (at < end) {
                keep(in, at, end);
            }
        } finally {
            in.release();
        }
    }

    /** Drops a kept partial line (the connection is gone). */
    void discard() {
        if (partial != null) {
            partial.release();
            partial = null;
        }
    }

    private void emit(ByteBuf buf, int from, int eol, LineConsumer consumer) {
        int to = eol > from && buf.getByte(eol - 1) == '\r' ? eol - 1 : eol;
        if (to - from > maxLineBytes) {
            tooLong();
        }
        consumer.line(buf, from, to - from);
    }

    /** Keeps bytes {@code [from, to)} of {@code in} as (the rest of) the line not yet ended. */
    private void keep(ByteBuf in, int from, int to) {
        int kept = partial == null ? 0 : partial.readableBytes();
        checkKept(kept + (to - from));
        if (partial == null) {
            partial = alloc.heapBuffer(Math.max(256, 2 * (to - from)));
        }
        partial.writeBytes(in, from, to - from);
    }

    /** Fails as soon as a line cannot fit any more: one byte over the limit may still be the {@code \r} of its end. */
    private void checkKept(int bytesWithoutEnd) {
        if (bytesWithoutEnd > maxLineBytes + 1) {
            tooLong();
        }
    }

    private void tooLong() {
        discard();
        throw new TooLongFrameException("a server message is longer than " + maxLineBytes + " bytes");
    }
}
