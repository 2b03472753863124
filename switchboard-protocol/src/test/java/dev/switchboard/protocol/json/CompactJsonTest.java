package dev.switchboard.protocol.json;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The compact writer: the mapper's bytes for plain objects, whatever their length. */
class CompactJsonTest {
    @Test
    void anObjectLongerThanTheFirstArrayIsWrittenWhole() {
        String key = "k".repeat(300);
        CompactJson out = new CompactJson();
        out.stringField("key", key);
        out.numberField("n", Long.MIN_VALUE);
        out.numberField("m", -42);
        out.endObject(0);
        assertThat(out.toString()).isEqualTo(ProtocolJson.MAPPER.writeValueAsString(
                new java.util.LinkedHashMap<>(Map.of("key", key))).replace("}", "") + ",\"n\":" + Long.MIN_VALUE + ",\"m\":-42}");
        ByteBuf buf = Unpooled.buffer();
        buf.writeByte('x');
        out.writeTo(buf);
        assertThat(buf.toString(StandardCharsets.US_ASCII)).isEqualTo("x" + out);
    }

    @Test
    void numbersAreSpelledAsLongToStringDoesAlsoWhereTheyCrossTheFirstArraysEnd() {
        long[] values = {0, 7, -7, 9, 10, 99, 100, 999, 1000, -1000, 123_456_789, Long.MAX_VALUE, -Long.MAX_VALUE, Long.MIN_VALUE};
        for (int pad = 100; pad <= 140; pad++) { // the first array holds 128 bytes
            for (long v : values) {
                CompactJson out = new CompactJson();
                out.stringField("p", "x".repeat(pad));
                int before = out.position();
                out.number(v);
                assertThat(out.toString().substring(before)).as("%d after %d bytes", v, before).isEqualTo(Long.toString(v));
            }
        }
    }

    @Test
    void anEmptyObjectAndATruncatedOne() {
        CompactJson out = new CompactJson();
        out.name("result");
        int start = out.position();
        out.endObject(start);
        assertThat(out.toString()).isEqualTo(",\"result\":{}");
        out.stringField("a", "b");
        out.truncate(start);
        assertThat(out.toString()).isEqualTo(",\"result\":");
        assertThatThrownBy(() -> out.truncate(start + 1)).isInstanceOf(IndexOutOfBoundsException.class);
    }
}
