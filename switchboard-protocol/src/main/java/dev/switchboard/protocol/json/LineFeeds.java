package dev.switchboard.protocol.json;

import io.netty.buffer.ByteBuf;

/**
 * Finds the {@code \n} that ends a line, eight bytes at a time, with the same branches taken
 * whatever the line's length.
 *
 * <p>Why not {@link ByteBuf#indexOf}: Netty's search ends with an unrolled byte-by-byte tail whose
 * branches depend on the line's length modulo 8. A server that has answered millions of requests
 * of one length has compiled that tail for those lengths only; when a request id gains a digit the
 * line is a byte longer, the compiled code meets a branch it never saw and is thrown away, and
 * every method it was inlined into (the whole read path) runs interpreted, then is compiled again —
 * on the one core that also serves the connections. Seen with the JVM's deoptimization events
 * (docs/benchmarks.md, "Native lock path, eleventh pass"). Here the bytes before the last eight are
 * read as whole words, and the last eight as one word ending at the range's end (overlapping bytes
 * already read, which hold no {@code \n}), so a line of any length of at least 8 bytes takes the
 * same path.
 */
public final class LineFeeds {
    private static final long LF_IN_EVERY_BYTE = 0x0A0A0A0A0A0A0A0AL;
    private static final long ONE_IN_EVERY_BYTE = 0x0101010101010101L;
    private static final long HIGH_BIT_OF_EVERY_BYTE = 0x8080808080808080L;

    private LineFeeds() {
    }

    /** The index of the first {@code \n} in {@code buf} from {@code from} (inclusive) to {@code to} (exclusive), or -1. */
    public static int indexOf(ByteBuf buf, int from, int to) {
        if (to - from < Long.BYTES) {
            for (int i = from; i < to; i++) {
                if (buf.getByte(i) == '\n') {
                    return i;
                }
            }
            return -1;
        }
        int last = to - Long.BYTES;
        for (int i = from; i < last; i += Long.BYTES) {
            long hits = lineFeeds(buf.getLongLE(i));
            if (hits != 0) {
                return i + (Long.numberOfTrailingZeros(hits) >>> 3);
            }
        }
        long hits = lineFeeds(buf.getLongLE(last));
        return hits == 0 ? -1 : last + (Long.numberOfTrailingZeros(hits) >>> 3);
    }

    /**
     * A word whose lowest set bit is the high bit of the first byte of {@code word} (little-endian
     * order) that is {@code \n}; 0 when none is. Bits above the first hit may be set wrongly (a
     * borrow), which is why only the lowest one is read.
     */
    private static long lineFeeds(long word) {
        long x = word ^ LF_IN_EVERY_BYTE;
        return (x - ONE_IN_EVERY_BYTE) & ~x & HIGH_BIT_OF_EVERY_BYTE;
    }
}
