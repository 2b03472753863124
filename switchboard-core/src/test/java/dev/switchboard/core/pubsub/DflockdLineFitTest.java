package dev.switchboard.core.pubsub;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.protocol.Payload;
import org.junit.jupiter.api.Test;

/** Which messages a dflockd listener can carry as a {@code sig} line: exactly what dflockd's signal accepts. */
class DflockdLineFitTest {
    @Test
    void textUpToSignalPublishRoomFitsAndNothingElse() {
        int room = SignalOps.MAX_PUSH_LINE - "sig ".length() - "ch".length() - 1;
        assertThat(new Signal("ch", Payload.ofUtf8("p".repeat(room))).fitsDflockdLine()).isTrue();
        assertThat(new Signal("ch", Payload.ofUtf8("p".repeat(room + 1))).fitsDflockdLine()).isFalse();
        assertThat(new Signal("é.é", Payload.ofUtf8("p".repeat(room - 2))).fitsDflockdLine()).as("channel bytes, not chars").isFalse();
        assertThat(new Signal("ch", Payload.ofUtf8("two\nlines")).fitsDflockdLine()).isFalse();
        assertThat(new Signal("ch", Payload.ofUtf8("cr\r")).fitsDflockdLine()).isFalse();
        assertThat(new Signal("ch", Payload.ofUtf8("")).fitsDflockdLine()).isFalse();
        assertThat(new Signal("ch", Payload.binary(new byte[] {'a'})).fitsDflockdLine()).isFalse();
        Payload json = dev.switchboard.protocol.PayloadFields.fromValue(java.util.Map.of("a", 1));
        assertThat(new Signal("ch", json).fitsDflockdLine()).isFalse();
    }
}
