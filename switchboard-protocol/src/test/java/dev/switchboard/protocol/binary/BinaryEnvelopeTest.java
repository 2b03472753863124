package dev.switchboard.protocol.binary;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.protocol.Frame;
import dev.switchboard.protocol.Payload;
import dev.switchboard.protocol.PayloadFields;
import dev.switchboard.protocol.json.JsonMessageDecoder;
import dev.switchboard.protocol.json.MalformedMessage;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The binary envelope's exact bytes, its round trip, and every way a frame can be wrong. */
class BinaryEnvelopeTest {
    /** 0x00, header length 41 (0x29), the header, then the payload 00 ff 0a. */
    private static final String GOLDEN = "00" + "00000029"
            + "7b226f70223a22746f7069632e7075626c697368222c226964223a312c22746f706963223a2261227d" + "00ff0a";
    private static final byte[] PAYLOAD = {0x00, (byte) 0xff, 0x0a};

    private static Map<String, Object> header() {
        Map<String, Object> h = new LinkedHashMap<>();
        h.put("op", "topic.publish");
        h.put("id", 1);
        h.put("topic", "a");
        return h;
    }

    @Test
    void encodesTheGoldenBytes() {
        ByteBuf out = Unpooled.buffer();
        BinaryEnvelope.encode(header(), Payload.binary(PAYLOAD), out);
        assertThat(ByteBufUtil.hexDump(out)).isEqualTo(GOLDEN);
        byte[] headerJson = "{\"op\":\"topic.publish\",\"id\":1,\"topic\":\"a\"}".getBytes(StandardCharsets.UTF_8);
        assertThat(BinaryEnvelope.size(headerJson, Payload.binary(PAYLOAD))).isEqualTo(out.readableBytes());
    }

    @Test
    void decodesTheGoldenBytesIntoTheHeaderAndARawBinaryPayload() {
        Object decoded = BinaryEnvelope.decode(Unpooled.wrappedBuffer(HexFormat.of().parseHex(GOLDEN)));
        assertThat(decoded).isInstanceOf(Map.class);
        @SuppressWarnings("unchecked")
        Map<String, Object> fields = (Map<String, Object>) decoded;
        assertThat(fields).containsEntry("op", "topic.publish").containsEntry("topic", "a");
        Frame frame = new Frame("topic.publish", 1, fields);
        Payload p = PayloadFields.read(frame);
        assertThat(p.kind()).isEqualTo(Payload.Kind.BINARY);
        assertThat(p.toByteArray()).containsExactly(PAYLOAD);
    }

    @Test
    void anEmptyPayloadAndAPayloadOfAnyBytesRoundTrip() {
        for (byte[] bytes : new byte[][] {{}, "{\"op\":\"x\"}\n".getBytes(StandardCharsets.UTF_8), new byte[70_000]}) {
            ByteBuf out = Unpooled.buffer();
            BinaryEnvelope.encode(Map.of("op", "m"), Payload.binary(bytes), out);
            @SuppressWarnings("unchecked")
            Map<String, Object> back = (Map<String, Object>) BinaryEnvelope.decode(out);
            assertThat(((Payload) back.get("payload_b64")).toByteArray()).isEqualTo(bytes);
            assertThat(out.isReadable()).as("the whole frame is read").isFalse();
        }
    }

    @Test
    void aJsonMessageIsNeverTakenForAnEnvelope() {
        assertThat(BinaryEnvelope.isEnvelope(Unpooled.copiedBuffer("{\"op\":\"ping\"}", StandardCharsets.UTF_8))).isFalse();
        assertThat(BinaryEnvelope.isEnvelope(Unpooled.copiedBuffer(" {}", StandardCharsets.UTF_8))).isFalse();
        assertThat(BinaryEnvelope.isEnvelope(Unpooled.EMPTY_BUFFER)).isFalse();
        assertThat(BinaryEnvelope.isEnvelope(Unpooled.wrappedBuffer(HexFormat.of().parseHex(GOLDEN)))).isTrue();
    }

    @Test
    void badFramesAreMalformedMessagesThatSayWhy() {
        assertMalformed("0000", "4-byte header length");
        assertMalformed("00000000ff" + "7b7d", "header length 255 is past the end of the frame (2 bytes after the prefix)");
        assertMalformed("00ffffffff", "header length 4294967295 is past the end");
        assertMalformed("0000000003" + "7b2278" + "01", "the header is not valid JSON");
        assertMalformed("0000000002" + "5b5d", "the header must be a JSON object");
        String withPayload = HexFormat.of().formatHex("{\"payload\":\"x\"}".getBytes(StandardCharsets.UTF_8));
        assertMalformed("000000000f" + withPayload, "must not hold payload");
    }

    @Test
    void theFramesDecoderTurnsAnEnvelopeIntoARequestAndAnythingElseIntoJson() {
        JsonMessageDecoder decoder = JsonMessageDecoder.toFramesWithEnvelopes();
        Object envelope = decoder.parse(Unpooled.wrappedBuffer(HexFormat.of().parseHex(GOLDEN)));
        assertThat(envelope).isInstanceOf(Frame.class);
        assertThat(((Frame) envelope).op()).isEqualTo("topic.publish");
        assertThat(PayloadFields.read((Frame) envelope).toByteArray()).containsExactly(PAYLOAD);
        Object json = decoder.parse(Unpooled.copiedBuffer("{\"op\":\"ping\",\"id\":2}", StandardCharsets.UTF_8));
        assertThat(((Frame) json).op()).isEqualTo("ping");
        Object noOp = decoder.parse(Unpooled.wrappedBuffer(HexFormat.of().parseHex("0000000002" + "7b7d")));
        assertThat(noOp).isInstanceOf(MalformedMessage.class);
        assertThat(((MalformedMessage) noOp).problem()).isEqualTo(MalformedMessage.Problem.NO_OP);
        // The lines decoder does not know envelopes: a zero byte is bad JSON there.
        assertThat(JsonMessageDecoder.toFrames().parse(Unpooled.wrappedBuffer(HexFormat.of().parseHex(GOLDEN))))
                .isInstanceOf(MalformedMessage.class);
    }

    private static void assertMalformed(String hex, String reason) {
        ByteBuf frame = Unpooled.wrappedBuffer(HexFormat.of().parseHex(hex));
        Object decoded = BinaryEnvelope.decode(frame);
        assertThat(decoded).isInstanceOf(MalformedMessage.class);
        assertThat(((MalformedMessage) decoded).reason()).contains(reason);
        assertThat(frame.isReadable()).isFalse();
    }
}
