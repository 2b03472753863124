package dev.switchboard.protocol.json;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.util.Random;
import org.junit.jupiter.api.Test;

class LineFeedsTest {
    private static int naive(ByteBuf buf, int from, int to) {
        for (int i = from; i < to; i++) {
            if (buf.getByte(i) == '\n') return i;
        }
        return -1;
    }

    @Test
    void findsTheFirstLineFeedWhereverItIsAndWhateverTheRange() {
        // Every range of a buffer with line feeds at chosen places, on a heap and a direct buffer.
        byte[] bytes = new byte[40];
        for (int i = 0; i < bytes.length; i++) bytes[i] = (byte) ('a' + i % 26);
        for (int lf : new int[] {-1, 0, 3, 7, 8, 9, 15, 16, 23, 31, 39}) {
            byte[] b = bytes.clone();
            if (lf >= 0) b[lf] = '\n';
            for (ByteBuf buf : new ByteBuf[] {Unpooled.wrappedBuffer(b), Unpooled.directBuffer(b.length).writeBytes(b)}) {
                for (int from = 0; from <= b.length; from++) {
                    for (int to = from; to <= b.length; to++) {
                        assertThat(LineFeeds.indexOf(buf, from, to)).as("lf %d in [%d, %d)", lf, from, to).isEqualTo(naive(buf, from, to));
                    }
                }
                buf.release();
            }
        }
    }

    @Test
    void bytesThatLookLikeALineFeedPlusOrMinusABitAreNotOne() {
        // Neighbours of 0x0A (and bytes with the high bit set) around a real line feed: the word
        // trick's borrow must never report a byte before the first real one.
        byte[] lookAlikes = {0x0B, 0x09, 0x08, 0x0E, (byte) 0x8A, (byte) 0xFF, 0x00, 0x1A, 0x4A};
        Random random = new Random(8);
        for (int round = 0; round < 20_000; round++) {
            byte[] b = new byte[1 + random.nextInt(40)];
            for (int i = 0; i < b.length; i++) b[i] = lookAlikes[random.nextInt(lookAlikes.length)];
            if (random.nextBoolean()) b[random.nextInt(b.length)] = '\n';
            if (random.nextInt(4) == 0) b[random.nextInt(b.length)] = '\n';
            ByteBuf buf = Unpooled.wrappedBuffer(b);
            int from = random.nextInt(b.length + 1);
            int to = from + random.nextInt(b.length - from + 1);
            assertThat(LineFeeds.indexOf(buf, from, to)).isEqualTo(naive(buf, from, to));
        }
    }
}
