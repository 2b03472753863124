package dev.switchboard.protocol.json;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.switchboard.protocol.Frame;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.TooLongFrameException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Lines cut and parsed in one handler: what the framer and the decoder together made of the same bytes. */
class JsonLineDecoderTest {
    private static ByteBuf bytes(String s) {
        return Unpooled.copiedBuffer(s, StandardCharsets.UTF_8);
    }

    private static List<Object> read(EmbeddedChannel ch) {
        List<Object> out = new ArrayList<>();
        Object m;
        while ((m = ch.readInbound()) != null) {
            out.add(m);
        }
        return out;
    }

    /** The same reads through Framing.LINES's framer and JsonMessageDecoder, the two handlers this replaces. */
    private static List<Object> twoHandlers(String... reads) {
        EmbeddedChannel ch = new EmbeddedChannel(Framing.LINES.newFramer(64), JsonMessageDecoder.toFrames());
        for (String r : reads) {
            ch.writeInbound(bytes(r));
        }
        List<Object> out = read(ch);
        ch.finishAndReleaseAll();
        return out;
    }

    private static List<Object> oneHandler(String... reads) {
        EmbeddedChannel ch = new EmbeddedChannel(new JsonLineDecoder(64, JsonMessageDecoder.toFrames()));
        for (String r : reads) {
            ch.writeInbound(bytes(r));
        }
        List<Object> out = read(ch);
        ch.finishAndReleaseAll();
        return out;
    }

    private static List<String> described(List<Object> messages) {
        return messages.stream().map(m -> m instanceof Frame f ? "frame " + f.op() + " " + f.id() + " " + f.value("key")
                : m instanceof MalformedMessage bad ? "malformed " + bad.problem() + ": " + bad.reason() : String.valueOf(m)).toList();
    }

    @Test
    void pipelinedCutBlankAndBadLinesComeOutAsFromTheFramerAndTheDecoder() {
        String[] reads = {
            "{\"op\":\"lock.acquire\",\"id\":1,\"key\":\"a\"}\n{\"op\":\"lock.rel",
            "ease\",\"id\":2,\"key\":\"a\"}\r\n\n   \n{\"op\": \"x\", \"id\": \"s\"}\n",
            "not json\n[1]\n{\"id\":3}\n{\"op\":\"y\",\"key\":\"b\"}",
            "\n",
        };
        List<String> got = described(oneHandler(reads));
        assertThat(got).containsExactly(
                "frame lock.acquire 1 a",
                "frame lock.release 2 a",
                "frame x s null",
                got.get(3), // the parser's wording for "not json"
                "malformed NOT_AN_OBJECT: a message must be a JSON object",
                "malformed NO_OP: op is required and must be a string",
                "frame y null b");
        assertThat(got.get(3)).startsWith("malformed");
        assertThat(got).isEqualTo(described(twoHandlers(reads)));
    }

    @Test
    void aLineOverTheLimitFailsAsSoonAsItIsKnownAndTheNextLineIsReadAgain() {
        EmbeddedChannel ch = new EmbeddedChannel(new JsonLineDecoder(64, JsonMessageDecoder.toFrames()));
        assertThatThrownBy(() -> ch.writeInbound(bytes("{\"op\":\"" + "x".repeat(100))))
                .isInstanceOf(TooLongFrameException.class);
        ch.writeInbound(bytes("yyy\"}\n{\"op\":\"ping\"}\n"));
        assertThat(described(read(ch))).containsExactly("frame ping null null");
        ch.finishAndReleaseAll();
    }

    /** Each read's messages, and "too long" where the read raised that error. */
    private static List<String> readsThrough(EmbeddedChannel ch, List<String> reads) {
        List<String> out = new ArrayList<>();
        for (String r : reads) {
            try {
                ch.writeInbound(bytes(r));
            } catch (TooLongFrameException e) {
                out.add("too long");
            }
            out.addAll(described(read(ch)));
        }
        ch.finishAndReleaseAll();
        return out;
    }

    @Test
    void anyLinesCutAnywhereComeOutAsFromTheFramerAndTheDecoder() {
        java.util.Random random = new java.util.Random(11);
        String[] lines = {"{\"op\":\"ping\",\"id\":%d}", "{\"op\":\"lock.acquire\",\"id\":%d,\"key\":\"k%d\"}", "", "  ",
            "{\"op\":\"x\",\"pad\":\"" + "p".repeat(70) + "\"}", "nope %d", "{\"op\":\"y\",\"id\":\"%d\"}"};
        for (int round = 0; round < 300; round++) {
            StringBuilder stream = new StringBuilder();
            int count = 1 + random.nextInt(12);
            for (int i = 0; i < count; i++) {
                stream.append(String.format(lines[random.nextInt(lines.length)], random.nextInt(100_000), i));
                stream.append(random.nextInt(3) == 0 ? "\r\n" : "\n");
            }
            List<String> reads = new ArrayList<>();
            for (int at = 0; at < stream.length(); ) {
                int next = Math.min(stream.length(), at + 1 + random.nextInt(40));
                reads.add(stream.substring(at, next));
                at = next;
            }
            List<String> one = readsThrough(new EmbeddedChannel(new JsonLineDecoder(64, JsonMessageDecoder.toFrames())), reads);
            List<String> two = readsThrough(new EmbeddedChannel(Framing.LINES.newFramer(64), JsonMessageDecoder.toFrames()), reads);
            assertThat(one).as("reads %s", reads).isEqualTo(two);
        }
    }

    @Test
    void nothingIsLeftHeldOnceTheLinesAreRead() {
        EmbeddedChannel ch = new EmbeddedChannel(new JsonLineDecoder(64, JsonMessageDecoder.toFrames()));
        ByteBuf in = bytes("{\"op\":\"ping\"}\n\n");
        ch.writeInbound(in.retain());
        assertThat(read(ch)).hasSize(1);
        assertThat(in.refCnt()).isEqualTo(1); // only this test's own reference: the line's slice was released
        in.release();
        assertThat(ch.finish()).isFalse();
    }
}
