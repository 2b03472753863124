package dev.switchboard.protocol.json;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.protocol.Frame;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** From bytes to typed frames: the JSON codec, then the frame decoder. */
class FrameDecoderTest {

    private static Object decode(String line) {
        return decode(line.getBytes(StandardCharsets.UTF_8), JsonMessageDecoder.toMaps(), FrameDecoder.INSTANCE);
    }

    private static Object decode(byte[] line, io.netty.channel.ChannelHandler... decoders) {
        EmbeddedChannel ch = new EmbeddedChannel(Framing.LINES.newFramer(1024));
        ch.pipeline().addLast(decoders);
        ch.writeInbound(Unpooled.buffer().writeBytes(line).writeByte('\n'));
        Object out = ch.readInbound();
        ch.finishAndReleaseAll();
        return out;
    }

    /** What a decoder made of a message, comparable across decoders (a Frame has no equals). */
    private static Object seen(Object decoded) {
        return decoded instanceof Frame f ? f.toString() + " id type " + (f.id() == null ? null : f.id().getClass()) : decoded;
    }

    @Test
    void readingStraightToFramesAcceptsAndRefusesExactlyAsTheMapPathDoes() {
        String[] messages = {
            "{\"op\":\"lock.acquire\",\"id\":7,\"key\":\"k\",\"timeout_ms\":5000,\"lease_ms\":30000}",
            "{\"op\":\"ping\",\"id\":\"a-1\"}",
            "{\"op\":\"ping\",\"id\":9223372036854775807,\"flag\":true,\"other\":false,\"none\":null}",
            "{\"op\":\"ping\",\"id\":92233720368547758070}",
            "{\"op\":\"ping\",\"id\":1,\"ratio\":0.5,\"big\":1e3}",
            "{\"op\":\"hello\",\"id\":1,\"version\":1,\"resume\":{\"session\":\"s\",\"key\":\"x\"}}",
            "{\"op\":\"ping\",\"id\":[1]}",
            "{\"op\":\"ping\",\"id\":4.5}",
            "{\"op\":5,\"id\":1}",
            "{\"id\":3,\"key\":\"k\"}",
            "{\"op\":\"lock.acquire\",\"key\":\"a\",\"key\":\"b\"}",
            "{\"op\":\"lock.acquire\",\"key\":null,\"key\":\"b\"}",
            "{\"op\":\"ping\"} trailing",
            "{\"op\":\"a\"} {\"op\":\"b\"}",
            "{\"op\":",
            "{not json",
            "[1,2]",
            "null",
            "\"text\"",
            "{}",
        };
        for (String m : messages) {
            byte[] bytes = m.getBytes(StandardCharsets.UTF_8);
            assertThat(seen(decode(bytes, JsonMessageDecoder.toFrames())))
                    .as(m).isEqualTo(seen(decode(bytes, JsonMessageDecoder.toMaps(), FrameDecoder.INSTANCE)));
        }
        byte[] badUtf8 = {'{', '"', 'o', 'p', '"', ':', '"', (byte) 0xff, (byte) 0xfe, '"', '}'};
        Object refused = decode(badUtf8, JsonMessageDecoder.toFrames());
        assertThat(refused).isEqualTo(decode(badUtf8, JsonMessageDecoder.toMaps(), FrameDecoder.INSTANCE));
        assertThat(refused).isInstanceOfSatisfying(MalformedMessage.class,
                bad -> assertThat(bad.reason()).startsWith("malformed JSON: ").containsIgnoringCase("UTF-8"));
        Object twice = decode("{\"op\":\"lock.acquire\",\"key\":\"a\",\"key\":\"b\"}".getBytes(StandardCharsets.UTF_8),
                JsonMessageDecoder.toFrames());
        assertThat(twice).isInstanceOfSatisfying(MalformedMessage.class,
                bad -> assertThat(bad.reason()).contains("a key may appear only once").contains("\"key\""));
    }

    @Test
    void aRequestBecomesAFrameWithItsOpIdAndFields() {
        Frame f = (Frame) decode("{\"op\":\"lock.acquire\",\"id\":7,\"key\":\"k\",\"payload\":\"p✓\"}");
        assertThat(f.op()).isEqualTo("lock.acquire");
        assertThat(f.id()).isEqualTo(7);
        assertThat(f.string("key")).isEqualTo("k");
        assertThat(f.payload("payload").utf8()).isEqualTo("p✓");
        assertThat(((Frame) decode("{\"op\":\"ping\",\"id\":\"a-1\"}")).id()).isEqualTo("a-1");
    }

    @Test
    void whatIsWrongIsSaidAndTheIdKeptWhenUsable() {
        MalformedMessage badId = (MalformedMessage) decode("{\"op\":\"ping\",\"id\":1.5}");
        assertThat(badId.problem()).isEqualTo(MalformedMessage.Problem.BAD_ID);
        assertThat(badId.id()).isNull();
        MalformedMessage noOp = (MalformedMessage) decode("{\"id\":3,\"key\":\"k\"}");
        assertThat(noOp.problem()).isEqualTo(MalformedMessage.Problem.NO_OP);
        assertThat(noOp.id()).isEqualTo(3);
        MalformedMessage notJson = (MalformedMessage) decode("{\"op\":");
        assertThat(notJson.problem()).isEqualTo(MalformedMessage.Problem.NOT_AN_OBJECT);
    }

    @Test
    void anObjectFromAnotherCodecBecomesAFrameToo() {
        Map<String, Object> ws = new LinkedHashMap<>();
        ws.put("op", "pong");
        assertThat(FrameDecoder.toFrame(ws)).isInstanceOf(Frame.class);
    }
}
