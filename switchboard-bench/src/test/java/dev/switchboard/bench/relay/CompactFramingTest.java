package dev.switchboard.bench.relay;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/** The bench's compact relay frames, against the bytes docs/relay.md shows. */
class CompactFramingTest {
    private static final HexFormat HEX = HexFormat.of();

    @Test
    void aSendIsTheDocumentedFrame() {
        byte[] frame = new CompactFraming(null).send(2, "team.bob", HEX.parseHex("dead00"));

        assertThat(HEX.formatHex(frame)).isEqualTo("0101087465616d2e626f62dead00");
    }

    @Test
    void aMessageFromThePartnerYieldsItsPayload() {
        CompactFraming framing = new CompactFraming("team.alice");
        byte[] frame = HEX.parseHex("01020a7465616d2e616c6963650000000000000007dead00");

        int at = framing.payloadOffset(frame, frame.length);

        assertThat(at).isEqualTo(frame.length - 3);
        assertThat(HEX.formatHex(frame, at, frame.length)).isEqualTo("dead00");
    }

    @Test
    void aMessageFromAnotherPeerIsRejected() {
        CompactFraming framing = new CompactFraming("team.alice");
        byte[] frame = HEX.parseHex("0102087465616d2e626f620000000000000007dead00"); // from team.bob

        assertThat(framing.payloadOffset(frame, frame.length)).isEqualTo(-1);
        assertThat(framing.rejection()).isEqualTo("a MESSAGE from team.bob, expected team.alice");
    }

    @Test
    void aSeqThatDoesNotRiseIsRejected() {
        CompactFraming framing = new CompactFraming("team.alice");
        byte[] frame = HEX.parseHex("01020a7465616d2e616c6963650000000000000007dead00");
        framing.payloadOffset(frame, frame.length);

        assertThat(framing.payloadOffset(frame, frame.length)).isEqualTo(-1);
        assertThat(framing.rejection()).isEqualTo("a MESSAGE numbered 7 after 7");
    }

    @Test
    void anEnvelopeOrATruncatedFrameIsNotAMessage() {
        CompactFraming framing = new CompactFraming("team.alice");
        byte[] envelope = HEX.parseHex("000000000a7b7d");
        byte[] truncated = HEX.parseHex("01020a7465616d2e616c696365000000");

        assertThat(framing.payloadOffset(envelope, envelope.length)).isEqualTo(-1);
        assertThat(framing.rejection()).isEqualTo("a binary message that is not a relay MESSAGE frame");
        assertThat(framing.payloadOffset(truncated, truncated.length)).isEqualTo(-1);
        assertThat(framing.rejection()).isEqualTo("a MESSAGE frame with a bad peer id length 10");
    }
}
