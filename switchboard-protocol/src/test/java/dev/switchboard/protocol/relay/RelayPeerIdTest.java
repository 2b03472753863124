package dev.switchboard.protocol.relay;

import static dev.switchboard.protocol.relay.RelayHex.bytes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class RelayPeerIdTest {
    @Test
    void anIdIsShaDashThenTheSha256OfTheKey() throws Exception {
        RelayPeerId alice = RelayPeerId.hashOf("alice");

        assertThat(alice.toBytes()).isEqualTo(bytes(RelayHex.ALICE));
        assertThat(alice).isEqualTo(RelayPeerId.fromBytes(bytes(RelayHex.ALICE))).hasSameHashCodeAs(RelayPeerId.hashOf("alice"));
        assertThat(alice).isNotEqualTo(RelayPeerId.hashOf("bob"));
    }

    @Test
    void anIdPrintsAsTheOriginalPrintsItAndParsesBack() throws Exception {
        RelayPeerId bob = RelayPeerId.hashOf("bob");

        assertThat(bob).hasToString("sha-gbY32PzSxtpjWeaWMROhFw3nleS3JbhNHgtM/Z7FjOk=");
        assertThat(RelayPeerId.parse(bob.toString())).isEqualTo(bob);
    }

    @Test
    void anIdOfTheWrongLengthOrWithoutItsPrefixIsRefused() {
        assertThatThrownBy(() -> RelayPeerId.fromBytes(new byte[35])).isInstanceOfSatisfying(RelayProtocolException.class,
                e -> assertThat(e.reason()).isEqualTo(RelayProtocolException.Reason.BAD_PEER_ID));
        assertThatThrownBy(() -> RelayPeerId.fromBytes(new byte[36])).isInstanceOfSatisfying(RelayProtocolException.class,
                e -> assertThat(e.reason()).isEqualTo(RelayProtocolException.Reason.BAD_PEER_ID));
        assertThatThrownBy(() -> RelayPeerId.parse("sha-AAAA")).isInstanceOfSatisfying(RelayProtocolException.class,
                e -> assertThat(e.reason()).isEqualTo(RelayProtocolException.Reason.BAD_PEER_ID));
        assertThatThrownBy(() -> RelayPeerId.parse("md5-gbY32PzSxtpjWeaWMROhFw3nleS3JbhNHgtM/Z7FjOk=")).isInstanceOf(RelayProtocolException.class);
        assertThatThrownBy(() -> RelayPeerId.parse("sha-not base64!")).isInstanceOf(RelayProtocolException.class);
    }

    @Test
    void theBytesHandedOutAreACopy() {
        RelayPeerId alice = RelayPeerId.hashOf("alice");
        byte[] handedOut = alice.toBytes();
        handedOut[10] ^= 1;

        assertThat(alice.toBytes()).isEqualTo(bytes(RelayHex.ALICE));
    }
}
