package dev.switchboard.protocol.binary;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.protocol.Payload;
import dev.switchboard.protocol.json.MalformedMessage;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The compact relay frame: what it reads, what it writes, and what it refuses, each with a reason. */
class RelayFrameTest {
    private static Object decode(int... bytes) {
        ByteBuf buf = Unpooled.buffer();
        for (int b : bytes) buf.writeByte(b);
        Object decoded = RelayFrame.decode(buf);
        assertThat(buf.isReadable()).as("the whole frame is read").isFalse();
        return decoded;
    }

    @Test
    void aSendFrameNamesTheDestinationAndCarriesTheRestAsBytes() {
        Object decoded = decode(0x01, 0x01, 3, 'b', 'o', 'b', 0x00, 0xff, '\n');
        assertThat(decoded).isInstanceOf(RelayFrame.class);
        RelayFrame f = (RelayFrame) decoded;
        assertThat(f.type()).isEqualTo(RelayFrame.Type.SEND);
        assertThat(f.peerId()).isEqualTo("bob");
        assertThat(f.payload().kind()).isEqualTo(Payload.Kind.BINARY);
        assertThat(f.payload().toByteArray()).containsExactly(0x00, 0xff, '\n');
    }

    @Test
    void aPeerIdBeyondAsciiIsReadAsUtf8() {
        RelayFrame f = (RelayFrame) decode(0x01, 0x01, 6, 'j', 'o', 's', 0xc3, 0xa9, '!', 0x07);
        assertThat(f.peerId()).isEqualTo("jos\u00e9!");
        assertThat(f.payload().toByteArray()).containsExactly(0x07);
    }

    @Test
    void anEmptyPayloadIsAMessage() {
        RelayFrame f = (RelayFrame) decode(0x01, 0x01, 1, 'b');
        assertThat(f.payload().size()).isZero();
    }

    @Test
    void aMessageWrittenIsReadBackWithItsSeq() {
        byte[] from = "team.alice".getBytes(StandardCharsets.UTF_8);
        Payload payload = Payload.binary(new byte[] {1, 2, 3});
        ByteBuf out = Unpooled.buffer();
        RelayFrame.writeMessage(from, 42, payload, out);
        assertThat(out.readableBytes()).isEqualTo(RelayFrame.messageSize(from, payload));
        RelayFrame f = (RelayFrame) RelayFrame.decode(out);
        assertThat(f.type()).isEqualTo(RelayFrame.Type.MESSAGE);
        assertThat(f.peerId()).isEqualTo("team.alice");
        assertThat(f.seq()).isEqualTo(42);
        assertThat(f.payload().toByteArray()).containsExactly(1, 2, 3);
    }

    @Test
    void aSendWrittenIsReadBack() {
        ByteBuf out = Unpooled.buffer();
        RelayFrame.writeSend("bob".getBytes(StandardCharsets.UTF_8), Payload.binary(new byte[] {9}), out);
        assertThat(out.getByte(0)).isEqualTo(RelayFrame.VERSION);
        assertThat(out.getByte(1)).isEqualTo(RelayFrame.Type.SEND.code);
        RelayFrame f = (RelayFrame) RelayFrame.decode(out);
        assertThat(f.peerId()).isEqualTo("bob");
        assertThat(f.payload().toByteArray()).containsExactly(9);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "too short for the prefix      | 01 01          | must hold the version 01, a type and a peer id length",
            "an unknown type               | 01 07 01 62    | unknown type 0x07",
            "type zero                     | 01 00 01 62    | unknown type 0x00",
            "an empty peer id              | 01 01 00 41 42 | the peer id is empty",
            "a peer id past the end        | 01 01 09 62 6f 62 | peer id length 9 is past the end of the frame (3 bytes",
            "a peer id that is not UTF-8   | 01 01 02 c3 28 | the peer id is not UTF-8",
            "a peer id with a space        | 01 01 03 61 20 62 | peer id must not contain spaces",
            "a message without its seq     | 01 02 01 62 00 00 00 | a message frame must hold an 8-byte seq",
    })
    void aMalformedFrameIsRefusedWithItsReason(String name, String hex, String reason) {
        String[] parts = hex.trim().split(" ");
        int[] bytes = new int[parts.length];
        for (int i = 0; i < parts.length; i++) bytes[i] = Integer.parseInt(parts[i], 16);
        Object decoded = decode(bytes);
        assertThat(decoded).isInstanceOf(MalformedMessage.class);
        assertThat(((MalformedMessage) decoded).reason()).startsWith("relay frame: ").contains(reason.trim());
    }

    @Test
    void aPeerIdLongerThanOneByteCanCountIsNotWritten() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> RelayFrame.writeSend(new byte[256], Payload.binary(new byte[0]), Unpooled.buffer()))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
