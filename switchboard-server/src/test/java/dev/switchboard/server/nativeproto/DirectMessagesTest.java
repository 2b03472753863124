package dev.switchboard.server.nativeproto;

import static dev.switchboard.server.nativeproto.Envelopes.envelope;
import static dev.switchboard.server.nativeproto.Envelopes.framed;
import static dev.switchboard.server.nativeproto.Envelopes.header;
import static dev.switchboard.server.nativeproto.Envelopes.payload;
import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.server.identity.Acl;
import dev.switchboard.server.ws.WsClient;
import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import tools.jackson.databind.JsonNode;

/**
 * {@code relay.send}: a direct message reaches the session answering to the peer id, with the
 * sender's peer id set by the server; text as JSON, bytes raw on binary framings and base64 on
 * JSON lines; {@code peer_not_found} at once; a second session with the same identity replaces
 * the first, which is closed with {@code replaced}.
 */
class DirectMessagesTest {
    @RegisterExtension
    static final TestServer SERVER = TestServer.perClass(b -> b.acl(Acl.parse(AliceAndBob.ACL)));

    private static final byte[] BYTES = new byte[256];

    static {
        for (int i = 0; i < 256; i++) BYTES[i] = (byte) i;
    }

    private static NativeClient lines(String token) throws Exception {
        return AliceAndBob.lines(SERVER.port(), token);
    }

    @Test
    void aTextMessageReachesThePeerWithTheSendersIdAndAnUnknownPeerIsRefusedAtOnce() throws Exception {
        try (NativeClient alice = lines("t-alice"); NativeClient bob = lines("t-bob")) {
            alice.send("{\"op\":\"relay.send\",\"id\":2,\"to\":\"team.bob\",\"payload\":{\"hi\":1},\"from\":\"team.mallory\"}");
            assertThat(alice.readReply(2).has("result")).isTrue();
            JsonNode m = bob.read();
            assertThat(m.path("op").asString()).isEqualTo("relay.message");
            assertThat(m.path("from").asString()).as("set by the server, not by the sender").isEqualTo("team.alice");
            assertThat(m.at("/payload/hi").asInt()).isEqualTo(1);
            assertThat(m.path("seq").asLong()).isPositive();

            alice.send("{\"op\":\"relay.send\",\"id\":3,\"to\":\"team.carol\",\"payload\":\"x\"}");
            JsonNode refused = alice.readReply(3);
            assertThat(refused.at("/error/code").asString()).isEqualTo("peer_not_found");
            alice.send("{\"op\":\"relay.send\",\"id\":4,\"to\":\"team.bob\"}");
            assertThat(alice.readReply(4).at("/error/code").asString()).isEqualTo("invalid_argument");
        }
    }

    @Test
    void anAnonymousSessionIsReachedByItsSessionId() throws Exception {
        try (NativeClient anon = NativeClient.hello(SERVER.port()); NativeClient alice = lines("t-alice")) {
            anon.send("{\"op\":\"session.info\",\"id\":2}");
            String session = anon.readReply(2).at("/result/session").asString();
            assertThat(session).isNotEmpty();
            alice.send("{\"op\":\"relay.send\",\"id\":2,\"to\":\"" + session + "\",\"payload\":\"hello\"}");
            assertThat(alice.readReply(2).has("result")).isTrue();
            JsonNode m = anon.read();
            assertThat(m.path("from").asString()).isEqualTo("team.alice");
            assertThat(m.path("payload").asString()).isEqualTo("hello");
            anon.send("{\"op\":\"relay.send\",\"id\":3,\"to\":\"team.alice\",\"payload\":\"back\"}");
            assertThat(anon.readReply(3).has("result")).isTrue();
            assertThat(alice.read().path("from").asString()).isEqualTo(session);
        }
    }

    @Test
    void bytesTravelRawBetweenWebSocketAndFramesByteForByteAndAsBase64ToJsonLines() throws Exception {
        try (WsClient alice = new WsClient(SERVER.port(), null); NativeClient bob = NativeClient.frames(SERVER.port())) {
            alice.send("{\"op\":\"hello\",\"id\":1,\"version\":1,\"binary\":true,\"token\":\"t-alice\"}");
            assertThat(alice.read().path("binary").asBoolean()).isTrue();
            bob.send("{\"op\":\"hello\",\"id\":1,\"version\":1,\"binary\":true,\"token\":\"t-bob\"}");
            assertThat(bob.read().path("binary").asBoolean()).isTrue();
            for (byte[] body : new byte[][] {BYTES, new byte[0]}) {
                alice.sendBinary(envelope("{\"op\":\"relay.send\",\"id\":2,\"to\":\"team.bob\"}", body));
                assertThat(alice.read().has("result")).isTrue();
                byte[] got = bob.readFrame();
                assertThat(header(got).path("op").asString()).isEqualTo("relay.message");
                assertThat(header(got).path("from").asString()).isEqualTo("team.alice");
                assertThat(payload(got)).isEqualTo(body);

                bob.sendRaw(framed(envelope("{\"op\":\"relay.send\",\"id\":3,\"to\":\"team.alice\"}", body)));
                assertThat(bob.readReply(3).has("result")).isTrue();
                byte[] back = alice.readBinary();
                assertThat(header(back).path("from").asString()).isEqualTo("team.bob");
                assertThat(payload(back)).isEqualTo(body);
            }
        }
        try (NativeClient alice = lines("t-alice"); WsClient bob = new WsClient(SERVER.port(), null)) {
            bob.send("{\"op\":\"hello\",\"id\":1,\"version\":1,\"binary\":true,\"token\":\"t-bob\"}");
            bob.read();
            bob.sendBinary(envelope("{\"op\":\"relay.send\",\"id\":2,\"to\":\"team.alice\"}", BYTES));
            assertThat(bob.read().has("result")).isTrue();
            JsonNode m = alice.read();
            assertThat(Base64.getDecoder().decode(m.path("payload_b64").asString())).isEqualTo(BYTES);
        }
    }

    @Test
    void aSharedIdentityKeepsItsOlderSessionsOpenAndTheNewestAnswersToThePeerId() throws Exception {
        try (NativeClient first = lines("t-svc"); NativeClient second = lines("t-svc"); NativeClient alice = lines("t-alice")) {
            alice.send("{\"op\":\"relay.send\",\"id\":2,\"to\":\"team.svc\",\"payload\":\"to the newest\"}");
            assertThat(alice.readReply(2).has("result")).isTrue();
            assertThat(second.read().path("payload").asString()).isEqualTo("to the newest");
            first.send("{\"op\":\"ping\",\"id\":2}");
            assertThat(first.readReply(2).path("op").asString()).as("still open").isEqualTo("pong");
        }
    }

    @Test
    void aNewerSessionWithTheSameIdentityReplacesTheOlderWhichIsToldWhy() throws Exception {
        try (NativeClient first = lines("t-bob"); NativeClient alice = lines("t-alice")) {
            try (NativeClient second = lines("t-bob")) {
                JsonNode told = first.read();
                assertThat(told.path("op").asString()).isEqualTo("error");
                assertThat(told.at("/error/code").asString()).isEqualTo("replaced");
                assertThat(first.closedByServer()).isTrue();

                alice.send("{\"op\":\"relay.send\",\"id\":2,\"to\":\"team.bob\",\"payload\":\"to the newest\"}");
                assertThat(alice.readReply(2).has("result")).isTrue();
                assertThat(second.read().path("payload").asString()).isEqualTo("to the newest");
            }
        }
    }
}
