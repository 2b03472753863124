package dev.switchboard.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.protocol.json.ProtocolJson;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A payload is bytes from codec to codec; a JSON transport writes them as a string. */
class PayloadTest {

    @Test
    void textIsKeptAsItsUtf8Bytes() {
        Payload p = Payload.ofUtf8("héllo ✓");
        assertThat(p.size()).isEqualTo("héllo ✓".getBytes(StandardCharsets.UTF_8).length);
        assertThat(p.utf8()).isEqualTo("héllo ✓");
        assertThat(p.validUtf8()).isTrue();
        assertThat(p).isEqualTo(Payload.of("héllo ✓".getBytes(StandardCharsets.UTF_8)));
        assertThat(p.contains((byte) ' ')).isTrue();
        assertThat(p.contains((byte) '\n')).isFalse();
    }

    @Test
    void theBytesAreWrittenAsTheyAreAndCannotBeChangedFromOutside() {
        byte[] raw = {'a', (byte) 0xC3, (byte) 0xA9};
        Payload p = Payload.of(raw);
        raw[0] = 'z';
        ByteBuf out = Unpooled.buffer();
        p.writeTo(out);
        byte[] written = new byte[out.readableBytes()];
        out.readBytes(written);
        assertThat(written).containsExactly('a', (byte) 0xC3, (byte) 0xA9);
        assertThat(p.utf8()).isEqualTo("aé");
    }

    @Test
    void bytesThatAreNotUtf8AreToldApart() {
        assertThat(Payload.of(new byte[] {(byte) 0xFF, 0x00}).validUtf8()).isFalse();
    }

    @Test
    void jsonWritesAPayloadAsAString() {
        String json = ProtocolJson.MAPPER.writeValueAsString(Map.of("payload", Payload.ofUtf8("a \"quoted\" ✓")));
        assertThat(json).isEqualTo("{\"payload\":\"a \\\"quoted\\\" ✓\"}");
    }

    @Test
    void aFrameReadsAPayloadFieldAsBytes() {
        Frame f = new Frame("signal.publish", 1, Map.of("payload", "x✓"));
        assertThat(f.payload("payload")).isEqualTo(Payload.ofUtf8("x✓"));
        Frame binary = new Frame("signal.publish", 1, Map.of("payload", Payload.of(new byte[] {1, 2})));
        assertThat(binary.payload("payload").size()).isEqualTo(2);
    }
}
