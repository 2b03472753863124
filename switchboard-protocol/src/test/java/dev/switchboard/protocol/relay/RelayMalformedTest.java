package dev.switchboard.protocol.relay;

import static dev.switchboard.protocol.relay.RelayHex.ALICE;
import static dev.switchboard.protocol.relay.RelayHex.bytes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.switchboard.protocol.relay.RelayProtocolException.Reason;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Each way a message can be wrong is refused with its reason (the relay then closes the connection). */
class RelayMalformedTest {
    private static final String ZERO_ID = "00".repeat(36);
    /** Alice's id one byte short. */
    private static final String ALICE_35_BYTES = ALICE.replace(" ", "").substring(0, 70);

    @Test
    void anEmptyOrOneByteFrameIsTruncated() {
        assertFromClient(new byte[0], Reason.TRUNCATED);
        assertFromClient(bytes("01"), Reason.TRUNCATED);
    }

    @Test
    void anotherVersionIsRefused() {
        assertFromClient(bytes("02 05"), Reason.BAD_VERSION);
        assertFromClient(bytes("00 03" + ALICE), Reason.BAD_VERSION);
    }

    @Test
    void anUndefinedTypeIsUnknown() {
        assertFromClient(bytes("01 00"), Reason.UNKNOWN_TYPE);
        assertFromClient(bytes("01 0c"), Reason.UNKNOWN_TYPE);
        assertFromClient(bytes("01 ff"), Reason.UNKNOWN_TYPE);
    }

    @Test
    void aTypeOnlyTheServerSendsIsRefusedFromAClientAndTheReverse() {
        assertFromClient(bytes("01 07" + "72656c3a2f2f68"), Reason.WRONG_DIRECTION);
        assertFromClient(bytes("01 0a" + ALICE), Reason.WRONG_DIRECTION);
        assertFromClient(bytes("01 0b" + ALICE), Reason.WRONG_DIRECTION);
        assertFromClient(bytes("01 02"), Reason.WRONG_DIRECTION);
        assertFromServer(bytes("01 06 2112a442" + ALICE), Reason.WRONG_DIRECTION);
        assertFromServer(bytes("01 08" + ALICE), Reason.WRONG_DIRECTION);
        assertFromServer(bytes("01 09" + ALICE), Reason.WRONG_DIRECTION);
    }

    @Test
    void theDeprecatedHelloIsNotServed() {
        assertFromClient(bytes("01 01 2112a442" + ALICE), Reason.UNSUPPORTED_TYPE);
        assertFromServer(bytes("01 02"), Reason.UNSUPPORTED_TYPE);
    }

    @Test
    void aMalformedAuthIsRefused() {
        assertFromClient(bytes("01 06 2112a442" + ALICE_35_BYTES), Reason.TRUNCATED);
        assertFromClient(bytes("01 06 2112a443" + ALICE), Reason.BAD_MAGIC);
        assertFromClient(bytes("01 06 2112a442" + ZERO_ID), Reason.BAD_PEER_ID);
        assertFromClient(bytes("01 06 2112a442" + ALICE + "00".repeat(RelayAuth.MAX_PAYLOAD_BYTES + 1)), Reason.OVERSIZE);
    }

    @Test
    void anAuthOfExactlyTheHandshakeLimitIsAccepted() throws Exception {
        byte[] largest = bytes("01 06 2112a442" + ALICE + "00".repeat(RelayAuth.MAX_PAYLOAD_BYTES));

        assertThat(largest).hasSize(RelayAuth.MAX_BYTES);
        assertThat(((RelayAuth) RelayCodec.decodeFromClient(largest)).authPayload()).hasSize(170);
    }

    @Test
    void aMalformedTransportIsRefused() {
        assertFromClient(bytes("01 03" + ALICE_35_BYTES), Reason.TRUNCATED);
        assertFromClient(bytes("01 03" + ZERO_ID + "ff"), Reason.BAD_PEER_ID);
        assertFromClient(new byte[RelayTransport.MAX_BYTES + 1], Reason.BAD_VERSION);
        byte[] oversize = new byte[RelayTransport.MAX_BYTES + 1];
        System.arraycopy(bytes("01 03" + ALICE), 0, oversize, 0, 38);
        assertFromClient(oversize, Reason.OVERSIZE);
        assertFromServer(oversize, Reason.OVERSIZE);
    }

    @Test
    void closeAndHealthCheckCarryNothingMore() {
        assertFromClient(bytes("01 04 00"), Reason.TRAILING_BYTES);
        assertFromServer(bytes("01 05 01 05"), Reason.TRAILING_BYTES);
    }

    @Test
    void aPeerStateListMustBeWholeIdsNotEmptyAndWithinTheChunkLimit() {
        assertFromClient(bytes("01 08"), Reason.BAD_ID_LIST);
        assertFromClient(bytes("01 08" + ALICE + "00"), Reason.BAD_ID_LIST);
        assertFromClient(bytes("01 09" + ALICE_35_BYTES), Reason.BAD_ID_LIST);
        assertFromServer(bytes("01 0a" + ALICE + ZERO_ID), Reason.BAD_PEER_ID);
        assertFromClient(bytes("01 08" + ALICE.repeat(RelayPeerStates.MAX_IDS_PER_MESSAGE + 1)), Reason.TOO_MANY_IDS);
        assertFromServer(bytes("01 0b" + ALICE.repeat(RelayPeerStates.MAX_IDS_PER_MESSAGE + 1)), Reason.TOO_MANY_IDS);
    }

    @Test
    void anAuthResponseMustCarryARelUrlWithinItsLimit() {
        assertFromServer(bytes("01 07"), Reason.TRUNCATED);
        assertFromServer(bytes("01 07" + RelayHex.hex("https://x".getBytes(StandardCharsets.US_ASCII))), Reason.BAD_INSTANCE_URL);
        byte[] oversize = ("..rel://h/" + "a".repeat(RelayAuthResponse.MAX_BYTES)).getBytes(StandardCharsets.US_ASCII);
        oversize[0] = 1;
        oversize[1] = 7;
        assertFromServer(oversize, Reason.OVERSIZE);
    }

    @Test
    void encodingRefusesWhatDecodingWouldRefuse() {
        RelayPeerId alice = RelayPeerId.hashOf("alice");
        assertThatThrownBy(() -> new RelayTransport(alice, new byte[RelayTransport.MAX_PAYLOAD_BYTES + 1]))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new RelayAuth(alice, new byte[RelayAuth.MAX_PAYLOAD_BYTES + 1])).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new RelayAuthResponse("http://x")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new RelayPeerStates(RelayMessageType.TRANSPORT, java.util.List.of(alice)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new RelayPeerStates(RelayMessageType.PEERS_ONLINE, java.util.List.of()))
                .isInstanceOf(IllegalArgumentException.class);
    }

    private static void assertFromClient(byte[] frame, Reason reason) {
        assertThatThrownBy(() -> RelayCodec.decodeFromClient(frame)).isInstanceOfSatisfying(RelayProtocolException.class,
                e -> assertThat(e.reason()).as(e.getMessage()).isEqualTo(reason));
    }

    private static void assertFromServer(byte[] frame, Reason reason) {
        assertThatThrownBy(() -> RelayCodec.decodeFromServer(frame)).isInstanceOfSatisfying(RelayProtocolException.class,
                e -> assertThat(e.reason()).as(e.getMessage()).isEqualTo(reason));
    }
}
