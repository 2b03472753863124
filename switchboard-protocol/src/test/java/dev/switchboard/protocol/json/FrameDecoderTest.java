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
        EmbeddedChannel ch = new EmbeddedChannel(Framing.LINES.newFramer(1024), JsonMessageDecoder.toMaps(), FrameDecoder.INSTANCE);
        ch.writeInbound(Unpooled.copiedBuffer(line + "\n", StandardCharsets.UTF_8));
        Object out = ch.readInbound();
        ch.finishAndReleaseAll();
        return out;
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
