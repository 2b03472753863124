package dev.switchboard.bench.relay;

/**
 * The bytes of one relayed benchmark message: its sequence number and its send time
 * ({@link System#nanoTime}, so sender and receiver must share the process), 8 bytes each, big-endian,
 * then a filler derived from the sequence number, so that the receiver can check every byte arrived
 * as it was sent without keeping a copy.
 */
final class RelayPayload {
    static final int MIN_BYTES = 16;

    private RelayPayload() {
    }

    static byte[] of(long seq, long sentNanos, int size) {
        byte[] b = new byte[size];
        putLong(b, 0, seq);
        putLong(b, 8, sentNanos);
        for (int i = MIN_BYTES; i < size; i++) b[i] = filler(seq, i);
        return b;
    }

    static long seq(byte[] b, int off) {
        return getLong(b, off);
    }

    static long sentNanos(byte[] b, int off) {
        return getLong(b, off + 8);
    }

    /** Null when {@code [off, off + len)} is the payload of message {@code seq} of {@code size} bytes, else what differs. */
    static String mismatch(byte[] b, int off, int len, long seq, int size) {
        if (len != size) return "a payload of " + len + " bytes, expected " + size;
        for (int i = MIN_BYTES; i < size; i++) {
            if (b[off + i] != filler(seq, i)) return "byte " + i + " of message " + seq + " differs from what was sent";
        }
        return null;
    }

    private static byte filler(long seq, int i) {
        return (byte) (seq * 31 + i);
    }

    private static void putLong(byte[] b, int at, long v) {
        for (int i = 7; i >= 0; i--, v >>>= 8) b[at + i] = (byte) v;
    }

    private static long getLong(byte[] b, int at) {
        long v = 0;
        for (int i = 0; i < 8; i++) v = (v << 8) | (b[at + i] & 0xff);
        return v;
    }
}
