package dev.switchboard.server.nativeproto;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import tools.jackson.databind.JsonNode;

/** Binary envelopes as a test client writes and reads them (see BinaryEnvelope). */
public final class Envelopes {
    private Envelopes() {
    }

    public static byte[] envelope(String headerJson, byte[] payload) {
        byte[] header = headerJson.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(5 + header.length + payload.length).put((byte) 0).putInt(header.length).put(header).put(payload).array();
    }

    /** A message with the 4-byte length prefix of the frames framing. */
    public static byte[] framed(byte[] message) {
        return ByteBuffer.allocate(4 + message.length).putInt(message.length).put(message).array();
    }

    /** The header JSON of an envelope the server sent. */
    public static JsonNode header(byte[] envelope) throws Exception {
        assertThat(envelope[0]).isZero();
        int n = ByteBuffer.wrap(envelope, 1, 4).getInt();
        return NativeClient.JSON.readTree(new String(envelope, 5, n, StandardCharsets.UTF_8));
    }

    /** The payload bytes of an envelope the server sent. */
    public static byte[] payload(byte[] envelope) {
        int n = ByteBuffer.wrap(envelope, 1, 4).getInt();
        return Arrays.copyOfRange(envelope, 5 + n, envelope.length);
    }
}
