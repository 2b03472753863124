package dev.switchboard.protocol.relay;

import static dev.switchboard.protocol.relay.RelayHex.ALICE;
import static dev.switchboard.protocol.relay.RelayHex.BOB;
import static dev.switchboard.protocol.relay.RelayHex.bytes;
import static dev.switchboard.protocol.relay.RelayHex.hex;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Every message type against bytes written out from the original's layout, both ways. */
class RelayCodecTest {
    private static final RelayPeerId ALICE_ID = RelayPeerId.hashOf("alice");
    private static final RelayPeerId BOB_ID = RelayPeerId.hashOf("bob");
    /** Algorithm 1, HMAC-SHA256(SHA-256("s3cret"), "1767225600"), then the expiry in ASCII. */
    private static final String TOKEN = "01 daf28dc377058a972d62084b3143d967d2c1defc5bfdfa0a9ae883892583b1a0 31373637323235363030";

    @Test
    void auth() throws Exception {
        byte[] golden = bytes("01 06 2112a442" + ALICE + TOKEN);
        RelayAuth auth = new RelayAuth(ALICE_ID, bytes(TOKEN));

        assertThat(golden).as("the typical Auth is 85 bytes").hasSize(85);
        assertThat(hex(auth.toBytes())).isEqualTo(hex(golden));
        assertThat(RelayCodec.decodeFromClient(golden)).usingRecursiveComparison().isEqualTo(auth);
    }

    @Test
    void authResponse() throws Exception {
        String url = "rels://relay.example.com:443";
        byte[] golden = bytes("01 07" + hex(url.getBytes(StandardCharsets.US_ASCII)));

        assertThat(new RelayAuthResponse(url).toBytes()).isEqualTo(golden);
        assertThat(RelayCodec.decodeFromServer(golden)).isEqualTo(new RelayAuthResponse(url));
    }

    @Test
    void transportBothWays() throws Exception {
        byte[] golden = bytes("01 03" + BOB + "68656c6c6f");
        RelayTransport transport = new RelayTransport(BOB_ID, "hello".getBytes(StandardCharsets.US_ASCII));

        assertThat(transport.toBytes()).isEqualTo(golden);
        assertThat(RelayCodec.decodeFromClient(golden)).usingRecursiveComparison().isEqualTo(transport);
        assertThat(RelayCodec.decodeFromServer(golden)).usingRecursiveComparison().isEqualTo(transport);
    }

    @Test
    void closeAndHealthCheckBothWays() throws Exception {
        assertThat(RelayClose.INSTANCE.toBytes()).isEqualTo(bytes("01 04"));
        assertThat(RelayHealthCheck.INSTANCE.toBytes()).isEqualTo(bytes("01 05"));
        assertThat(RelayCodec.decodeFromClient(bytes("01 04"))).isEqualTo(RelayClose.INSTANCE);
        assertThat(RelayCodec.decodeFromServer(bytes("01 04"))).isEqualTo(RelayClose.INSTANCE);
        assertThat(RelayCodec.decodeFromClient(bytes("01 05"))).isEqualTo(RelayHealthCheck.INSTANCE);
        assertThat(RelayCodec.decodeFromServer(bytes("01 05"))).isEqualTo(RelayHealthCheck.INSTANCE);
    }

    @Test
    void peerStateMessages() throws Exception {
        List<RelayPeerId> ids = List.of(ALICE_ID, BOB_ID);
        assertPeerState(RelayMessageType.SUBSCRIBE_PEER_STATE, "08", ids, true);
        assertPeerState(RelayMessageType.UNSUBSCRIBE_PEER_STATE, "09", ids, true);
        assertPeerState(RelayMessageType.PEERS_ONLINE, "0a", ids, false);
        assertPeerState(RelayMessageType.PEERS_WENT_OFFLINE, "0b", ids, false);
    }

    private static void assertPeerState(RelayMessageType type, String code, List<RelayPeerId> ids, boolean fromClient) throws Exception {
        byte[] golden = bytes("01" + code + ALICE + BOB);
        RelayPeerStates message = new RelayPeerStates(type, ids);

        assertThat(message.toBytes()).as(type.name()).isEqualTo(golden);
        RelayMessage decoded = fromClient ? RelayCodec.decodeFromClient(golden) : RelayCodec.decodeFromServer(golden);
        assertThat(decoded).isEqualTo(message);
    }

    @Test
    void aLongIdListIsChunkedAt244IdsInOrder() throws Exception {
        List<RelayPeerId> ids = new ArrayList<>();
        for (int i = 0; i < 500; i++) {
            ids.add(RelayPeerId.hashOf("peer-" + i));
        }

        List<RelayPeerStates> chunks = RelayPeerStates.chunked(RelayMessageType.PEERS_ONLINE, ids);

        assertThat(chunks).extracting(c -> c.peerIds().size()).containsExactly(244, 244, 12);
        assertThat(chunks.get(0).toBytes()).as("a full chunk fits the original's 8820-byte buffer").hasSize(2 + 244 * 36);
        List<RelayPeerId> back = new ArrayList<>();
        for (RelayPeerStates chunk : chunks) {
            back.addAll(((RelayPeerStates) RelayCodec.decodeFromServer(chunk.toBytes())).peerIds());
        }
        assertThat(back).isEqualTo(ids);
        assertThatThrownBy(() -> RelayPeerStates.chunked(RelayMessageType.PEERS_ONLINE, List.of()))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
