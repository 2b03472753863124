package dev.switchboard.cluster.relay;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.protocol.Payload;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** The layout of a direct message between nodes, and what a node does with bytes that are not one. */
class PeerMessagesTest {
    @Test
    void aMessageDecodesToWhatWasEncoded() {
        byte[] bytes = {0, 1, (byte) 0xFF, 10, 13};
        PeerMessages.Decoded d = PeerMessages.decode(PeerMessages.encode("bób", "sha-x", Payload.binary(bytes)));
        assertThat(d.to()).isEqualTo("bób");
        assertThat(d.from()).isEqualTo("sha-x");
        assertThat(d.payload().kind()).isEqualTo(Payload.Kind.BINARY);
        assertThat(d.payload().toByteArray()).isEqualTo(bytes);
    }

    @Test
    void everyTruncationAndAnUnknownKindAreRefusedNotThrown() {
        byte[] whole = PeerMessages.encode("alice", "bob", Payload.ofUtf8(""));
        // Cut anywhere before the payload: no complete header, so not a message.
        for (int n = 0; n < whole.length; n++) {
            assertThat(PeerMessages.decode(Arrays.copyOf(whole, n))).as("first %d bytes", n).isNull();
        }
        assertThat(PeerMessages.decode(whole)).isNotNull();
        byte[] badKind = whole.clone();
        badKind[0] = 9;
        assertThat(PeerMessages.decode(badKind)).isNull();
        assertThat(PeerMessages.decode(null)).isNull();
    }

    @Test
    void receiptAskingMessagesReceiptsAndForgetsDecodeToWhatWasEncodedAndTheirTruncationsAreRefused() {
        PeerMessages.Decoded asks = PeerMessages.decode(PeerMessages.encodeAskingReceipt("bób", "sha-x", "m1", Payload.ofUtf8("hi")));
        assertThat(asks.type()).isEqualTo(PeerMessages.ASKS_RECEIPT);
        assertThat(asks.to()).isEqualTo("bób");
        assertThat(asks.from()).isEqualTo("sha-x");
        assertThat(asks.ackId()).isEqualTo("m1");
        assertThat(asks.payload().utf8()).isEqualTo("hi");

        PeerMessages.Decoded receipt = PeerMessages.decode(PeerMessages.encodeReceipt("bób", "sha-x", "m1",
                dev.switchboard.core.relay.Receipt.Status.UNDELIVERED));
        assertThat(receipt.type()).isEqualTo(PeerMessages.RECEIPT);
        assertThat(receipt.status()).isEqualTo(dev.switchboard.core.relay.Receipt.Status.UNDELIVERED);
        assertThat(receipt.ackId()).isEqualTo("m1");

        byte[] forget = PeerMessages.encodeForget("bób", "sha-x", "m1");
        assertThat(PeerMessages.decode(forget).type()).isEqualTo(PeerMessages.FORGET);
        for (int n = 0; n < forget.length; n++) {
            assertThat(PeerMessages.decode(Arrays.copyOf(forget, n))).as("first %d bytes", n).isNull();
        }
        byte[] badStatus = PeerMessages.encodeReceipt("a", "b", "c", dev.switchboard.core.relay.Receipt.Status.ACKNOWLEDGED);
        badStatus[0] = (byte) (PeerMessages.RECEIPT | 7);
        assertThat(PeerMessages.decode(badStatus)).isNull();
        badStatus[0] = (byte) 0x40;
        assertThat(PeerMessages.decode(badStatus)).as("an unknown type").isNull();
    }
}
