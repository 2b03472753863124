package dev.switchboard.server.nativeproto;

import static dev.switchboard.server.nativeproto.Envelopes.envelope;
import static dev.switchboard.server.nativeproto.Envelopes.header;
import static dev.switchboard.server.nativeproto.Envelopes.payload;
import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.server.identity.Acl;
import dev.switchboard.server.nativeproto.RelayFrames.Message;
import dev.switchboard.server.nativeproto.RelayFrames.UnixFrames;
import dev.switchboard.server.ws.WsClient;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import tools.jackson.databind.JsonNode;

/**
 * Direct messages of bytes, byte for byte, between WebSocket peers and between a WebSocket peer
 * and a Unix-socket peer: as compact relay frames and as binary envelopes, empty and of the
 * largest size allowed; what a receiver that did not ask for relay frames gets; and each refused
 * relay frame answered with its reason while the connection goes on.
 */
class RelayFramesTest {
    private static final int MAX = 65_536;

    @RegisterExtension
    static final TestServer SERVER = TestServer.perClass(b -> b.acl(Acl.parse(AliceAndBob.ACL)).relayMaxMessageBytes(MAX));

    /** Empty, every byte value, and the largest payload allowed. */
    private static final List<byte[]> BODIES;

    static {
        byte[] all = new byte[256];
        for (int i = 0; i < 256; i++) all[i] = (byte) i;
        byte[] max = new byte[MAX];
        new Random(7).nextBytes(max);
        BODIES = List.of(new byte[0], all, max);
    }

    private static String hello(String token, boolean relayFrames) {
        return "{\"op\":\"hello\",\"id\":1,\"version\":1,\"binary\":true,\"relay_frames\":" + relayFrames
                + ",\"token\":\"" + token + "\"}";
    }

    private static WsClient ws(String token, boolean relayFrames) throws Exception {
        WsClient c = new WsClient(SERVER.port(), null);
        c.send(hello(token, relayFrames));
        JsonNode welcome = c.read();
        assertThat(welcome.path("relay_frames").asBoolean()).isEqualTo(relayFrames);
        return c;
    }

    private static UnixFrames unix(String token, boolean relayFrames) throws Exception {
        UnixFrames c = new UnixFrames(SERVER.unixSocket());
        c.sendJson(hello(token, relayFrames));
        assertThat(c.readJson().path("relay_frames").asBoolean()).isEqualTo(relayFrames);
        return c;
    }

    @Test
    void compactFramesRoundTripByteForByteBetweenTwoWebSocketPeers() throws Exception {
        try (WsClient alice = ws("t-alice", true); WsClient bob = ws("t-bob", true)) {
            long lastSeq = 0;
            for (byte[] body : BODIES) {
                alice.sendBinary(RelayFrames.send("team.bob", body));
                Message got = Message.of(bob.readBinary());
                assertThat(got.from()).isEqualTo("team.alice");
                assertThat(got.seq()).as("numbered in the receiver's stream").isGreaterThan(lastSeq);
                lastSeq = got.seq();
                assertThat(got.payload()).isEqualTo(body);

                bob.sendBinary(RelayFrames.send("team.alice", body));
                Message back = Message.of(alice.readBinary());
                assertThat(back.from()).isEqualTo("team.bob");
                assertThat(back.payload()).isEqualTo(body);
            }
        }
    }

    @Test
    void envelopesRoundTripByteForByteBetweenTwoWebSocketPeers() throws Exception {
        try (WsClient alice = ws("t-alice", false); WsClient bob = ws("t-bob", false)) {
            for (byte[] body : BODIES) {
                alice.sendBinary(envelope("{\"op\":\"relay.send\",\"id\":2,\"to\":\"team.bob\"}", body));
                assertThat(alice.read().has("result")).isTrue();
                byte[] got = bob.readBinary();
                assertThat(header(got).path("from").asString()).isEqualTo("team.alice");
                assertThat(payload(got)).isEqualTo(body);
            }
        }
    }

    @Test
    void compactFramesAndEnvelopesRoundTripBetweenAWebSocketPeerAndAUnixSocketPeer() throws Exception {
        try (WsClient alice = ws("t-alice", true); UnixFrames bob = unix("t-bob", true)) {
            for (byte[] body : BODIES) {
                alice.sendBinary(RelayFrames.send("team.bob", body));
                Message got = Message.of(bob.readFrame());
                assertThat(got.from()).isEqualTo("team.alice");
                assertThat(got.payload()).isEqualTo(body);

                bob.sendFrame(RelayFrames.send("team.alice", body));
                Message back = Message.of(alice.readBinary());
                assertThat(back.from()).isEqualTo("team.bob");
                assertThat(back.payload()).isEqualTo(body);
            }
        }
        try (WsClient alice = ws("t-alice", false); UnixFrames bob = unix("t-bob", false)) {
            for (byte[] body : BODIES) {
                alice.sendBinary(envelope("{\"op\":\"relay.send\",\"id\":2,\"to\":\"team.bob\"}", body));
                assertThat(alice.read().has("result")).isTrue();
                byte[] got = bob.readFrame();
                assertThat(header(got).path("from").asString()).isEqualTo("team.alice");
                assertThat(payload(got)).isEqualTo(body);

                bob.sendFrame(envelope("{\"op\":\"relay.send\",\"id\":3,\"to\":\"team.alice\"}", body));
                assertThat(bob.readJson().has("result")).isTrue();
                byte[] back = alice.readBinary();
                assertThat(header(back).path("from").asString()).isEqualTo("team.bob");
                assertThat(payload(back)).isEqualTo(body);
            }
        }
    }

    @Test
    void aReceiverThatDidNotAskForRelayFramesGetsAnEnvelopeOrBase64() throws Exception {
        byte[] body = BODIES.get(1);
        try (WsClient alice = ws("t-alice", true); WsClient bob = ws("t-bob", false)) {
            alice.sendBinary(RelayFrames.send("team.bob", body));
            byte[] got = bob.readBinary();
            assertThat(header(got).path("op").asString()).isEqualTo("relay.message");
            assertThat(header(got).path("from").asString()).isEqualTo("team.alice");
            assertThat(payload(got)).isEqualTo(body);
        }
        try (WsClient alice = ws("t-alice", true); NativeClient bob = NativeClient.lines(SERVER.port())) {
            bob.send(hello("t-bob", true));
            assertThat(bob.read().path("relay_frames").asBoolean()).as("lines cannot carry relay frames").isFalse();
            alice.sendBinary(RelayFrames.send("team.bob", body));
            JsonNode m = bob.read();
            assertThat(m.path("from").asString()).isEqualTo("team.alice");
            assertThat(Base64.getDecoder().decode(m.path("payload_b64").asString())).isEqualTo(body);
        }
    }

    @Test
    void textFromAJsonSenderStaysJsonForARelayFramesReceiver() throws Exception {
        try (WsClient alice = ws("t-alice", false); WsClient bob = ws("t-bob", true)) {
            assertThat(alice.request("{\"op\":\"relay.send\",\"id\":2,\"to\":\"team.bob\",\"payload\":{\"a\":1}}", 2)
                    .has("result")).isTrue();
            JsonNode m = bob.read();
            assertThat(m.path("op").asString()).isEqualTo("relay.message");
            assertThat(m.at("/payload/a").asInt()).isEqualTo(1);
        }
    }

    @Test
    void refusedSendsComeBackAsErrorsNamingTheDestinationAndTheLimit() throws Exception {
        try (WsClient alice = ws("t-alice", true); WsClient bob = ws("t-bob", true)) {
            alice.sendBinary(RelayFrames.send("team.nobody", new byte[] {1}));
            JsonNode notFound = alice.read();
            assertThat(notFound.at("/error/code").asString()).isEqualTo("peer_not_found");
            assertThat(notFound.path("to").asString()).isEqualTo("team.nobody");

            alice.sendBinary(RelayFrames.send("team.bob", new byte[MAX + 1]));
            JsonNode tooLarge = alice.read();
            assertThat(tooLarge.at("/error/code").asString()).isEqualTo("frame_too_large");
            assertThat(tooLarge.at("/error/message").asString()).contains("--relay-max-message-bytes");
            assertThat(tooLarge.path("to").asString()).isEqualTo("team.bob");

            JsonNode tooLargeJson = alice.request("{\"op\":\"relay.send\",\"id\":3,\"to\":\"team.bob\",\"payload_b64\":\""
                    + Base64.getEncoder().encodeToString(new byte[MAX + 1]) + "\"}", 3);
            assertThat(tooLargeJson.at("/error/code").asString()).isEqualTo("frame_too_large");

            alice.sendBinary(RelayFrames.send("team.bob", new byte[] {2}));
            assertThat(Message.of(bob.readBinary()).payload()).as("never truncated; the connection and the next one go on")
                    .containsExactly(2);
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "an unknown type            | 0107016200 | unknown type 0x07",
            "a peer id past the end     | 010109626f62 | past the end of the frame",
            "an empty peer id           | 01010041 | the peer id is empty",
            "too short for the prefix   | 0101 | must hold the version 01",
            "a peer id that is not UTF-8 | 010102c328 | not UTF-8",
            "a message from a client    | 010201620000000000000001ff | sent by the server only",
    })
    void aMalformedRelayFrameGetsBadFrameAndTheConnectionGoesOn(String name, String hex, String reason) throws Exception {
        try (WsClient alice = ws("t-alice", true); UnixFrames bob = unix("t-bob", true)) {
            byte[] frame = HexFormat.of().parseHex(hex.trim());
            alice.sendBinary(frame);
            JsonNode e = alice.read();
            assertThat(e.at("/error/code").asString()).isEqualTo("bad_frame");
            assertThat(e.at("/error/message").asString()).contains(reason.trim());
            bob.sendFrame(frame);
            JsonNode overUnix = bob.readJson();
            assertThat(overUnix.at("/error/code").asString()).isEqualTo("bad_frame");
            assertThat(alice.request("{\"op\":\"ping\",\"id\":5}", 5).path("op").asString()).isEqualTo("pong");
            bob.sendFrame(RelayFrames.send("team.alice", new byte[] {3}));
            assertThat(Message.of(alice.readBinary()).payload()).containsExactly(3);
        }
    }

    @Test
    void aConnectionThatDidNotAskForRelayFramesHasThemRefused() throws Exception {
        try (WsClient alice = ws("t-alice", false); WsClient bob = ws("t-bob", true)) {
            alice.sendBinary(RelayFrames.send("team.bob", new byte[] {1}));
            JsonNode e = alice.read();
            assertThat(e.at("/error/code").asString()).isEqualTo("bad_frame");
            assertThat(e.at("/error/message").asString()).contains("relay_frames");
            assertThat(alice.request("{\"op\":\"ping\",\"id\":5}", 5).path("op").asString()).isEqualTo("pong");
        }
    }
}
