package dev.switchboard.bench.fanout;

import io.netty.buffer.ByteBuf;

/**
 * The payload of one benchmark message: {@code @@<seq>,<send nanos>,} padded with {@code x} to a
 * fixed size. Its characters need no escaping in JSON, RESP or any line protocol, and {@code @@}
 * appears nowhere else in what the servers send, so a receiver finds the sequence number and the
 * send time in a delivery of any protocol by looking for {@code @@}.
 */
final class BenchPayload {
    static final int MIN_BYTES = 48;

    private BenchPayload() {
    }

    static String of(long seq, long sentNanos, int size) {
        StringBuilder sb = new StringBuilder(size).append("@@").append(seq).append(',').append(sentNanos).append(',');
        while (sb.length() < size) sb.append('x');
        return sb.toString();
    }

    /** Where {@code @@} starts in {@code buf}'s bytes {@code [from, to)}, or -1. */
    static int find(ByteBuf buf, int from, int to) {
        for (int i = from; i + 1 < to; i++) {
            if (buf.getByte(i) == '@' && buf.getByte(i + 1) == '@') return i;
        }
        return -1;
    }

    /** The decimal number at {@code at} (up to the first non-digit); {@code at} must hold a digit. */
    static long number(ByteBuf buf, int at, int to) {
        long n = 0;
        for (int i = at; i < to; i++) {
            byte b = buf.getByte(i);
            if (b < '0' || b > '9') break;
            n = n * 10 + (b - '0');
        }
        return n;
    }

    /** The index after the next comma at or after {@code at}, or {@code to}. */
    static int afterComma(ByteBuf buf, int at, int to) {
        for (int i = at; i < to; i++) {
            if (buf.getByte(i) == ',') return i + 1;
        }
        return to;
    }
}
