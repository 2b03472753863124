package dev.switchboard.server.transport;

import dev.switchboard.core.pubsub.Signal;
import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A signal in the wire forms of the socket transports, encoded once per publish and shared by
 * every subscriber's connection: dflockd's {@code sig <channel> <payload>\n} line, identical for
 * all, and the native event {@code {"op":"signal","channel":…,"payload":…,"seq":<n>}}, whose JSON
 * up to the per-session {@code seq} is encoded once and each connection adds its own tail and framing.
 */
public final class SignalWire {
    private static final byte[] SEQ_FIELD = ",\"seq\":".getBytes(StandardCharsets.US_ASCII);

    /** dflockd's pushed line; the payload's bytes as they came, whichever transport published them. */
    private static final Signal.Encoding<byte[]> DFLOCKD_LINE = new Signal.Encoding<>(s -> {
        byte[] head = ("sig " + s.channel() + " ").getBytes(StandardCharsets.UTF_8);
        byte[] line = Arrays.copyOf(head, head.length + s.payload().size() + 1);
        ByteBuf out = io.netty.buffer.Unpooled.wrappedBuffer(line).writerIndex(head.length);
        s.payload().writeTo(out);
        out.writeByte('\n');
        return line;
    });

    /** The native event's JSON without its closing brace, as the JSON encoders would write it. */
    private static final Signal.Encoding<byte[]> JSON_HEAD = new Signal.Encoding<>(s -> {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("op", "signal");
        m.put("channel", s.channel());
        m.put("payload", s.payload());
        byte[] json = JsonSupport.write(m);
        return Arrays.copyOf(json, json.length - 1); // without the closing '}'
    });

    /** How a native connection frames each message. */
    public enum Framing {
        /** One JSON object per line. */
        LINES,
        /** A 4-byte big-endian length before each JSON object. */
        LENGTH_PREFIXED,
        /** One unmasked WebSocket text frame per JSON object (the server's side of RFC 6455). */
        WEBSOCKET
    }

    private SignalWire() {
    }

    /** The signal as a dflockd {@code sig} line. */
    public static PushedBytes dflockdLine(Signal signal) {
        return PushedBytes.shared(signal.encoded(DFLOCKD_LINE));
    }

    /** The signal as a native event numbered {@code seq} (no {@code seq} field when it is 0), framed. */
    public static PushedBytes nativeEvent(Signal signal, long seq, Framing framing) {
        return new NativeEvent(signal.encoded(JSON_HEAD), seq, framing);
    }

    private static final class NativeEvent implements PushedBytes {
        private final byte[] head;
        private final long seq;
        private final Framing framing;
        private final int seqDigits;

        NativeEvent(byte[] head, long seq, Framing framing) {
            this.head = head;
            this.seq = seq;
            this.framing = framing;
            this.seqDigits = seq > 0 ? digits(seq) : 0;
        }

        private int jsonSize() {
            return head.length + (seq > 0 ? SEQ_FIELD.length + seqDigits : 0) + 1;
        }

        @Override
        public int size() {
            int json = jsonSize();
            return switch (framing) {
                case LINES -> json + 1;
                case LENGTH_PREFIXED -> json + 4;
                case WEBSOCKET -> json + (json < 126 ? 2 : json < 65536 ? 4 : 10);
            };
        }

        @Override
        public void writeTo(ByteBuf out) {
            int json = jsonSize();
            switch (framing) {
                case LENGTH_PREFIXED -> out.writeInt(json);
                case WEBSOCKET -> {
                    out.writeByte(0x81); // FIN, text
                    if (json < 126) {
                        out.writeByte(json);
                    } else if (json < 65536) {
                        out.writeByte(126).writeShort(json);
                    } else {
                        out.writeByte(127).writeLong(json);
                    }
                }
                case LINES -> { }
            }
            out.writeBytes(head);
            if (seq > 0) {
                out.writeBytes(SEQ_FIELD);
                writeDecimal(out, seq, seqDigits);
            }
            out.writeByte('}');
            if (framing == Framing.LINES) out.writeByte('\n');
        }
    }

    static int digits(long n) {
        int d = 1;
        while (n >= 10) {
            n /= 10;
            d++;
        }
        return d;
    }

    private static void writeDecimal(ByteBuf out, long n, int d) {
        int at = out.writerIndex();
        out.ensureWritable(d);
        for (int i = d - 1; i >= 0; i--) {
            out.setByte(at + i, (int) ('0' + n % 10));
            n /= 10;
        }
        out.writerIndex(at + d);
    }
}
