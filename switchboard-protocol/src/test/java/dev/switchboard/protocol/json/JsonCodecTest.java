package dev.switchboard.protocol.json;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.TooLongFrameException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/** Both framings end to end on an embedded channel: bytes in, messages out, and back. */
class JsonCodecTest {
    private static final int MAX = 64;

    private static EmbeddedChannel reader(Framing framing, JsonMessageDecoder decoder) {
        return new EmbeddedChannel(framing.newFramer(MAX), decoder);
    }

    private static byte[] framed(Framing framing, byte[] json) {
        ByteBuf buf = Unpooled.buffer();
        if (framing == Framing.LENGTH_PREFIXED) {
            buf.writeInt(json.length).writeBytes(json);
        } else {
            buf.writeBytes(json).writeByte('\n');
        }
        byte[] bytes = new byte[buf.readableBytes()];
        buf.readBytes(bytes);
        return bytes;
    }

    private static byte[] framed(Framing framing, String json) {
        return framed(framing, json.getBytes(StandardCharsets.UTF_8));
    }

    private static List<Object> readAll(EmbeddedChannel ch) {
        List<Object> out = new ArrayList<>();
        for (Object m; (m = ch.readInbound()) != null; ) {
            out.add(m);
        }
        return out;
    }

    @ParameterizedTest
    @EnumSource(Framing.class)
    void aMessageSplitAcrossReadsIsDecodedOnceComplete(Framing framing) {
        EmbeddedChannel ch = reader(framing, JsonMessageDecoder.toMaps());
        byte[] wire = framed(framing, "{\"op\":\"ping\",\"id\":7}");

        for (byte b : wire) {
            ch.writeInbound(Unpooled.wrappedBuffer(new byte[] {b}));
        }

        assertThat(readAll(ch)).containsExactly(Map.of("op", "ping", "id", 7));
    }

    @ParameterizedTest
    @EnumSource(Framing.class)
    void severalMessagesInOneReadComeOutInOrder(Framing framing) {
        EmbeddedChannel ch = reader(framing, JsonMessageDecoder.toTrees());
        ByteBuf wire = Unpooled.buffer()
                .writeBytes(framed(framing, "{\"op\":\"a\"}"))
                .writeBytes(framed(framing, "{\"op\":\"b\"}"));

        ch.writeInbound(wire);

        assertThat(readAll(ch)).extracting(m -> ((JsonNode) m).get("op").stringValue()).containsExactly("a", "b");
    }

    @ParameterizedTest
    @EnumSource(Framing.class)
    void aMessageOverTheLimitFailsTheFramer(Framing framing) {
        EmbeddedChannel ch = reader(framing, JsonMessageDecoder.toMaps());
        String big = "{\"op\":\"" + "x".repeat(MAX) + "\"}";

        assertThatThrownBy(() -> ch.writeInbound(Unpooled.wrappedBuffer(framed(framing, big))))
                .isInstanceOf(TooLongFrameException.class);
    }

    @ParameterizedTest
    @EnumSource(Framing.class)
    void aMessageOfExactlyTheLimitIsAccepted(Framing framing) {
        EmbeddedChannel ch = reader(framing, JsonMessageDecoder.toMaps());
        String prefix = "{\"op\":\"";
        String json = prefix + "x".repeat(MAX - prefix.length() - 2) + "\"}";
        assertThat(json).hasSize(MAX);

        ch.writeInbound(Unpooled.wrappedBuffer(framed(framing, json)));

        assertThat(readAll(ch)).hasSize(1);
    }

    @ParameterizedTest
    @EnumSource(Framing.class)
    void badUtf8IsAMalformedMessageAndTheNextMessageStillReads(Framing framing) {
        EmbeddedChannel ch = reader(framing, JsonMessageDecoder.toMaps());
        byte[] badUtf8 = {'{', '"', 'o', 'p', '"', ':', '"', (byte) 0xff, (byte) 0xfe, '"', '}'};

        ch.writeInbound(Unpooled.buffer().writeBytes(framed(framing, badUtf8)).writeBytes(framed(framing, "{\"op\":\"ok\"}")));

        List<Object> out = readAll(ch);
        assertThat(out).hasSize(2);
        assertThat(out.get(0)).isInstanceOfSatisfying(MalformedMessage.class,
                m -> assertThat(m.reason()).startsWith("malformed JSON: ").containsIgnoringCase("UTF-8"));
        assertThat(out.get(1)).isEqualTo(Map.of("op", "ok"));
    }

    @ParameterizedTest
    @EnumSource(Framing.class)
    void badJsonNonObjectsAndTrailingDataAreMalformedMessages(Framing framing) {
        EmbeddedChannel ch = reader(framing, JsonMessageDecoder.toTrees());

        ch.writeInbound(Unpooled.buffer()
                .writeBytes(framed(framing, "{\"op\":"))
                .writeBytes(framed(framing, "[1,2]"))
                .writeBytes(framed(framing, "null"))
                .writeBytes(framed(framing, "{\"op\":\"a\"} {\"op\":\"b\"}")));

        List<Object> out = readAll(ch);
        assertThat(out).hasSize(4).allSatisfy(m -> assertThat(m).isInstanceOf(MalformedMessage.class));
        assertThat(((MalformedMessage) out.get(0)).reason()).startsWith("malformed JSON: ");
        assertThat(((MalformedMessage) out.get(1)).reason()).isEqualTo("a message must be a JSON object");
        assertThat(((MalformedMessage) out.get(2)).reason()).isEqualTo("a message must be a JSON object");
        assertThat(((MalformedMessage) out.get(3)).reason()).startsWith("malformed JSON: ");
    }

    @ParameterizedTest
    @EnumSource(Framing.class)
    void aKeyGivenTwiceIsRejectedWithAClearReason(Framing framing) {
        EmbeddedChannel ch = reader(framing, JsonMessageDecoder.toMaps());

        ch.writeInbound(Unpooled.wrappedBuffer(framed(framing, "{\"op\":\"lock.acquire\",\"key\":\"a\",\"key\":\"b\"}")));

        assertThat(readAll(ch)).singleElement().isInstanceOfSatisfying(MalformedMessage.class,
                m -> assertThat(m.reason()).contains("a key may appear only once").contains("\"key\""));
    }

    @Test
    void aKeyGivenTwiceInANestedObjectIsRejectedToo() {
        EmbeddedChannel ch = reader(Framing.LINES, JsonMessageDecoder.toTrees());

        ch.writeInbound(Unpooled.wrappedBuffer(framed(Framing.LINES, "{\"op\":\"hello\",\"resume\":{\"key\":\"a\",\"key\":\"b\"}}")));

        assertThat(readAll(ch)).singleElement().isInstanceOf(MalformedMessage.class);
    }

    @Test
    void blankLinesAreSkippedAndCrLfIsAccepted() {
        EmbeddedChannel ch = reader(Framing.LINES, JsonMessageDecoder.toMaps());

        ch.writeInbound(Unpooled.copiedBuffer("\n  \r\n{\"op\":\"ping\"}\r\n", StandardCharsets.UTF_8));

        assertThat(readAll(ch)).containsExactly(Map.of("op", "ping"));
    }

    @Test
    void numbersKeepTheirExactValue() {
        EmbeddedChannel ch = reader(Framing.LINES, JsonMessageDecoder.toMaps());

        ch.writeInbound(Unpooled.wrappedBuffer(framed(Framing.LINES, "{\"a\":1,\"b\":9223372036854775807,\"c\":0.1}")));

        @SuppressWarnings("unchecked")
        Map<String, Object> m = (Map<String, Object>) ch.readInbound();
        assertThat(m.get("a")).isEqualTo(1);
        assertThat(m.get("b")).isEqualTo(Long.MAX_VALUE);
        assertThat(m.get("c")).isEqualTo(new BigDecimal("0.1"));
    }

    @Test
    void linesAreCompactJsonEndedByOneNewline() {
        EmbeddedChannel ch = new EmbeddedChannel(new JsonMessageEncoder(Framing.LINES));
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("text", "a\nb");
        result.put("n", new BigDecimal("1E+3"));
        Map<String, Object> msg = new LinkedHashMap<>();
        msg.put("op", "reply");
        msg.put("id", 3);
        msg.put("result", result);

        ch.writeOutbound(msg);

        assertThat(readString(ch)).isEqualTo("{\"op\":\"reply\",\"id\":3,\"result\":{\"text\":\"a\\nb\",\"n\":1000}}\n");
    }

    @Test
    void lengthPrefixedFramesCarryTheBigEndianLengthOfTheJson() {
        EmbeddedChannel ch = new EmbeddedChannel(new JsonMessageEncoder(Framing.LENGTH_PREFIXED));
        ObjectNode msg = ProtocolJson.MAPPER.createObjectNode().put("op", "pong").put("id", "é");

        ch.writeOutbound(msg);

        ByteBuf out = ch.readOutbound();
        byte[] json = "{\"op\":\"pong\",\"id\":\"é\"}".getBytes(StandardCharsets.UTF_8);
        assertThat(out.readInt()).isEqualTo(json.length);
        byte[] rest = new byte[out.readableBytes()];
        out.readBytes(rest);
        out.release();
        assertThat(rest).isEqualTo(json);
    }

    @ParameterizedTest
    @EnumSource(Framing.class)
    void whatTheEncoderWritesTheDecoderReadsBack(Framing framing) {
        EmbeddedChannel writer = new EmbeddedChannel(new JsonMessageEncoder(framing));
        EmbeddedChannel reader = reader(framing, JsonMessageDecoder.toMaps());
        Map<String, Object> msg = Map.of("op", "signal", "seq", 12, "payload", "line\nbreak \"quoted\"");

        writer.writeOutbound(msg);
        reader.writeInbound((ByteBuf) writer.readOutbound());

        assertThat(readAll(reader)).containsExactly(msg);
    }

    private static String readString(EmbeddedChannel ch) {
        ByteBuf out = ch.readOutbound();
        try {
            return out.toString(StandardCharsets.UTF_8);
        } finally {
            out.release();
        }
    }
}
