package dev.switchboard.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.handler.codec.TooLongFrameException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** How the client cuts what it reads into server messages, wherever the reads happen to end. */
class LineSplitterTest {
    private final ByteBufAllocator alloc = new UnpooledByteBufAllocator(false);
    private final List<String> lines = new ArrayList<>();
    private final List<ByteBuf> reads = new ArrayList<>();

    private ByteBuf read(String text) {
        ByteBuf buf = alloc.directBuffer().writeBytes(text.getBytes(StandardCharsets.UTF_8));
        reads.add(buf);
        return buf;
    }

    private void feed(LineSplitter splitter, String... chunks) {
        for (String chunk : chunks) {
            splitter.split(read(chunk), (buf, from, length) -> lines.add(buf.toString(from, length, StandardCharsets.UTF_8)));
        }
    }

    @Test
    void everyLineOfOneReadIsHandedOverWithoutItsEnd() {
        LineSplitter splitter = new LineSplitter(1024, alloc);
        feed(splitter, "{\"a\":1}\n{\"b\":2}\r\n\n{\"c\":3}\n");
        assertThat(lines).containsExactly("{\"a\":1}", "{\"b\":2}", "", "{\"c\":3}");
        assertThat(reads).allSatisfy(b -> assertThat(b.refCnt()).isZero());
    }

    @Test
    void aLineCutByTheEndOfAReadIsHandedOverOnceItsEndArrives() {
        LineSplitter splitter = new LineSplitter(1024, alloc);
        feed(splitter, "{\"a\":1}\n{\"b\"", ":2", "}\r", "\n{\"c\":3}\n{\"d");
        assertThat(lines).containsExactly("{\"a\":1}", "{\"b\":2}", "{\"c\":3}");
        feed(splitter, "\":4}\n");
        assertThat(lines).containsExactly("{\"a\":1}", "{\"b\":2}", "{\"c\":3}", "{\"d\":4}");
        assertThat(reads).allSatisfy(b -> assertThat(b.refCnt()).isZero());
    }

    @Test
    void anyWayOfCuttingTheStreamGivesTheSameLines() {
        StringBuilder stream = new StringBuilder();
        List<String> expected = new ArrayList<>();
        Random random = new Random(7);
        for (int i = 0; i < 300; i++) {
            String line = "{\"op\":\"reply\",\"id\":" + i + ",\"pad\":\"" + "x".repeat(random.nextInt(400)) + "\"}";
            expected.add(line);
            stream.append(line).append(random.nextBoolean() ? "\r\n" : "\n");
        }
        LineSplitter splitter = new LineSplitter(1024, alloc);
        for (int at = 0; at < stream.length(); ) {
            int to = Math.min(stream.length(), at + 1 + random.nextInt(700));
            feed(splitter, stream.substring(at, to));
            at = to;
        }
        assertThat(lines).isEqualTo(expected);
    }

    @Test
    void aLineOverTheLimitFailsAsSoonAsItIsKnownWithoutWaitingForItsEnd() {
        LineSplitter splitter = new LineSplitter(16, alloc);
        feed(splitter, "0123456789");
        assertThatThrownBy(() -> feed(splitter, "0123456789"))
                .isInstanceOf(TooLongFrameException.class)
                .hasMessageContaining("longer than 16 bytes");
        assertThat(reads).allSatisfy(b -> assertThat(b.refCnt()).isZero());
    }

    @Test
    void aWholeLineOverTheLimitFailsTooWhileOneAtTheLimitPasses() {
        LineSplitter splitter = new LineSplitter(16, alloc);
        feed(splitter, "0123456789abcdef\r\n", "0123456789ab", "cdef\n");
        assertThat(lines).containsExactly("0123456789abcdef", "0123456789abcdef");
        assertThatThrownBy(() -> feed(splitter, "0123456789abcdefg\n"))
                .isInstanceOf(TooLongFrameException.class);
        assertThat(reads).allSatisfy(b -> assertThat(b.refCnt()).isZero());
    }

    @Test
    void discardingReleasesAPartialLine() {
        LineSplitter splitter = new LineSplitter(1024, alloc);
        feed(splitter, "{\"a\":");
        splitter.discard();
        feed(splitter, "{\"b\":2}\n");
        assertThat(lines).containsExactly("{\"b\":2}");
    }
}
