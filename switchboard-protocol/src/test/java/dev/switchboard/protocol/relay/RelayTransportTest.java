package dev.switchboard.protocol.relay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.util.Random;
import org.junit.jupiter.api.Test;

class RelayTransportTest {
    private static final RelayPeerId ALICE = RelayPeerId.hashOf("alice");
    private static final RelayPeerId BOB = RelayPeerId.hashOf("bob");

    @Test
    void anEmptyPayloadRoundTrips() throws Exception {
        byte[] frame = new RelayTransport(BOB, new byte[0]).toBytes();

        assertThat(frame).hasSize(RelayTransport.FIXED_BYTES);
        RelayTransport back = (RelayTransport) RelayCodec.decodeFromClient(frame);
        assertThat(back.peerId()).isEqualTo(BOB);
        assertThat(back.payload()).isEmpty();
    }

    @Test
    void theLargestPayloadRoundTripsByteForByte() throws Exception {
        byte[] payload = new byte[RelayTransport.MAX_PAYLOAD_BYTES];
        new Random(7).nextBytes(payload);
        byte[] frame = new RelayTransport(BOB, payload).toBytes();

        assertThat(frame).hasSize(8820);
        assertThat(((RelayTransport) RelayCodec.decodeFromClient(frame)).payload()).isEqualTo(payload);
    }

    @Test
    void forwardingRewritesTheDestinationToTheSourceInTheSameBufferWithoutCopyingThePayload() throws Exception {
        byte[] payload = new byte[1000];
        new Random(11).nextBytes(payload);
        ByteBuf frame = PooledByteBufAllocator.DEFAULT.directBuffer();
        try {
            frame.writeZero(5).skipBytes(5); // a frame that does not start at index 0 of its buffer
            new RelayTransport(BOB, payload).encode(frame);
            ByteBuf payloadView = frame.slice(frame.readerIndex() + RelayTransport.FIXED_BYTES, payload.length);
            long payloadAddress = payloadView.memoryAddress();
            int reader = frame.readerIndex();
            int writer = frame.writerIndex();

            RelayPeerId destination = RelayTransport.rewriteDestinationToSource(frame, ALICE);

            assertThat(destination).isEqualTo(BOB);
            assertThat(frame.readerIndex()).isEqualTo(reader);
            assertThat(frame.writerIndex()).isEqualTo(writer);
            assertThat(payloadView.memoryAddress()).as("the payload stays where it was").isEqualTo(payloadAddress);
            RelayTransport forwarded = (RelayTransport) RelayCodec.decodeFromServer(frame);
            assertThat(forwarded.peerId()).as("the receiver sees the source").isEqualTo(ALICE);
            assertThat(forwarded.payload()).isEqualTo(payload);
        } finally {
            frame.release();
        }
    }

    @Test
    void aHeapFrameIsRewrittenInItsOwnArray() throws Exception {
        byte[] wire = new RelayTransport(BOB, new byte[] {1, 2, 3}).toBytes();
        ByteBuf frame = Unpooled.wrappedBuffer(wire);

        RelayTransport.rewriteDestinationToSource(frame, ALICE);

        assertThat(frame.array()).isSameAs(wire);
        assertThat(wire).isEqualTo(new RelayTransport(ALICE, new byte[] {1, 2, 3}).toBytes());
    }

    @Test
    void rewritingATruncatedOrForeignFrameIsRefusedAndLeavesItAlone() {
        byte[] truncated = new byte[RelayTransport.FIXED_BYTES - 1];
        assertThatThrownBy(() -> RelayTransport.rewriteDestinationToSource(Unpooled.wrappedBuffer(truncated), ALICE))
                .isInstanceOfSatisfying(RelayProtocolException.class,
                        e -> assertThat(e.reason()).isEqualTo(RelayProtocolException.Reason.TRUNCATED));
        byte[] badId = new byte[RelayTransport.FIXED_BYTES];
        badId[0] = 1;
        badId[1] = 3;
        assertThatThrownBy(() -> RelayTransport.rewriteDestinationToSource(Unpooled.wrappedBuffer(badId), ALICE))
                .isInstanceOfSatisfying(RelayProtocolException.class,
                        e -> assertThat(e.reason()).isEqualTo(RelayProtocolException.Reason.BAD_PEER_ID));
        assertThat(badId).as("nothing written over a refused frame").containsOnly(0, 1, 3);
    }

    @Test
    void theHeaderCheckAloneLetsTheForwardingPathSkipDecoding() throws Exception {
        ByteBuf frame = Unpooled.wrappedBuffer(new RelayTransport(BOB, new byte[] {9}).toBytes());

        assertThat(RelayCodec.checkHeader(frame, RelayMessageType.Sender.CLIENT)).isEqualTo(RelayMessageType.TRANSPORT);
        assertThat(frame.readerIndex()).isZero();
    }
}
