package dev.switchboard.server.nativeproto;

import static dev.switchboard.server.nativeproto.Envelopes.envelope;
import static dev.switchboard.server.nativeproto.Envelopes.framed;
import static dev.switchboard.server.nativeproto.Envelopes.header;
import static dev.switchboard.server.nativeproto.Envelopes.payload;
import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.server.ws.WsClient;
import java.nio.ByteBuffer;
import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import tools.jackson.databind.JsonNode;

/**
 * Binary payloads raw on the binary framings: a client that says {@code "binary":true} at hello on
 * length-prefixed frames or WebSocket gets BINARY payloads as binary envelopes, any client may
 * send one, and everyone else sees the same bytes as {@code payload_b64}. A bad envelope is an
 * error reply; the connection goes on.
 */
class BinaryPayloadTest {
    @RegisterExtension
    static final TestServer SERVER = TestServer.perClass();

    /** Every byte value, and a line break and a brace: nothing a text framing could carry as is. */
    private static final byte[] BYTES = new byte[256];

    static {
        for (int i = 0; i < 256; i++) BYTES[i] = (byte) i;
    }

    @Test
    void anEnvelopeGoesRawToOptedInFramesAndWebSocketAndAsBase64ToTheOthers() throws Exception {
        try (NativeClient frames = NativeClient.frames(SERVER.port()); WsClient ws = new WsClient(SERVER.port(), null);
             NativeClient lines = NativeClient.hello(SERVER.port()); NativeClient plainFrames = NativeClient.frames(SERVER.port())) {
            frames.send("{\"op\":\"hello\",\"id\":1,\"version\":1,\"binary\":true}");
            assertThat(frames.read().path("binary").asBoolean()).isTrue();
            ws.send("{\"op\":\"hello\",\"id\":1,\"version\":1,\"binary\":true}");
            assertThat(ws.read().path("binary").asBoolean()).isTrue();
            plainFrames.send("{\"op\":\"hello\",\"id\":1,\"version\":1}");
            assertThat(plainFrames.read().has("binary")).isFalse();
            for (Object c : new Object[] {frames, lines, plainFrames}) {
                ((NativeClient) c).send("{\"op\":\"topic.subscribe\",\"id\":2,\"pattern\":\"bin.*\"}");
                assertThat(((NativeClient) c).readReply(2).has("result")).isTrue();
            }
            assertThat(ws.request("{\"op\":\"topic.subscribe\",\"id\":2,\"pattern\":\"bin.*\"}", 2).has("result")).isTrue();

            // Published as an envelope over WebSocket: the reply is JSON as always.
            ws.sendBinary(envelope("{\"op\":\"topic.publish\",\"id\":3,\"topic\":\"bin.x\"}", BYTES));
            JsonNode published = ws.request("{\"op\":\"ping\",\"id\":4}", 3);
            assertThat(published.at("/result/delivered").asInt()).isEqualTo(4);

            byte[] toFrames = frames.readFrame();
            assertThat(header(toFrames).path("op").asString()).isEqualTo("message");
            assertThat(header(toFrames).path("topic").asString()).isEqualTo("bin.x");
            assertThat(header(toFrames).path("seq").asLong()).isPositive();
            assertThat(header(toFrames).has("payload_b64")).isFalse();
            assertThat(payload(toFrames)).isEqualTo(BYTES);

            byte[] toWs = ws.readBinary();
            assertThat(header(toWs).path("topic").asString()).isEqualTo("bin.x");
            assertThat(payload(toWs)).isEqualTo(BYTES);

            for (NativeClient c : new NativeClient[] {lines, plainFrames}) {
                JsonNode m = c.read();
                assertThat(m.path("op").asString()).isEqualTo("message");
                assertThat(Base64.getDecoder().decode(m.path("payload_b64").asString())).isEqualTo(BYTES);
            }

            // Published as an envelope in a frame; text payloads still travel as JSON to everyone.
            frames.sendRaw(framed(envelope("{\"op\":\"topic.publish\",\"id\":5,\"topic\":\"bin.y\"}", new byte[] {1, 2, 3})));
            assertThat(payload(frames.readFrame())).containsExactly(1, 2, 3);
            assertThat(frames.readReply(5).at("/result/delivered").asInt()).isEqualTo(4);
            lines.send("{\"op\":\"topic.publish\",\"id\":6,\"topic\":\"bin.z\",\"payload\":\"text\"}");
            assertThat(frames.read().path("payload").asString()).isEqualTo("text");
        }
    }

    @Test
    void aBadEnvelopeIsAnErrorReplyAndTheConnectionGoesOn() throws Exception {
        try (NativeClient frames = NativeClient.frames(SERVER.port()); WsClient ws = WsClient.hello(SERVER.port())) {
            frames.send("{\"op\":\"hello\",\"id\":1,\"version\":1,\"binary\":true}");
            frames.read();
            byte[] pastTheEnd = ByteBuffer.allocate(7).put((byte) 0).putInt(1000).put((byte) '{').put((byte) '}').array();
            frames.sendRaw(framed(pastTheEnd));
            JsonNode error = frames.read();
            assertThat(error.at("/error/code").asString()).isEqualTo("bad_frame");
            assertThat(error.at("/error/message").asString()).contains("header length 1000 is past the end of the frame");
            frames.sendRaw(framed(new byte[] {0, 0}));
            assertThat(frames.read().at("/error/message").asString()).contains("4-byte header length");
            frames.sendRaw(framed(envelope("{\"op\":", new byte[] {9})));
            assertThat(frames.read().at("/error/message").asString()).contains("not valid JSON");
            frames.send("{\"op\":\"ping\",\"id\":2}");
            assertThat(frames.readReply(2).path("op").asString()).isEqualTo("pong");

            ws.sendBinary(envelope("[1]", new byte[0]));
            assertThat(ws.read().at("/error/code").asString()).isEqualTo("bad_frame");
            assertThat(ws.request("{\"op\":\"ping\",\"id\":3}", 3).path("op").asString()).isEqualTo("pong");
        }
    }

    @Test
    void linesCannotCarryEnvelopesSoTheirHelloIsAnsweredFalse() throws Exception {
        try (NativeClient lines = NativeClient.lines(SERVER.port())) {
            lines.send("{\"op\":\"hello\",\"id\":1,\"version\":1,\"binary\":true}");
            assertThat(lines.read().path("binary").asBoolean(true)).isFalse();
        }
    }
}
