package dev.switchboard.server.transport;

import dev.switchboard.core.pubsub.Signal;
import dev.switchboard.core.session.SessionEvent;
import dev.switchboard.protocol.Payload;
import dev.switchboard.protocol.PayloadFields;
import dev.switchboard.protocol.binary.BinaryEnvelope;
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
        PayloadFields.put(m, s.payload()); // bytes as payload_b64
        byte[] json = JsonSupport.write(m);
        return Arrays.copyOf(json, json.length - 1); // without the closing '}'
    });

    /** The native {@code message} event's JSON (a topic subscriber's form) without its closing brace. */
    private static final Signal.Encoding<byte[]> MESSAGE_JSON_HEAD = new Signal.Encoding<>(s -> {
        byte[] json = JsonSupport.write(s.asMessage().message(0));
        return Arrays.copyOf(json, json.length - 1);
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

    /**
     * The signal as a topic subscriber's {@code message} event numbered {@code seq}, framed: its
     * JSON encoded once per publish for every subscriber, as for {@link #nativeEvent}.
     */
    public static PushedBytes nativeMessage(Signal signal, long seq, Framing framing) {
        return new NativeEvent(signal.encoded(MESSAGE_JSON_HEAD), seq, framing);
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
            return framedSize(framing, jsonSize());
        }

        @Override
        public void writeTo(ByteBuf out) {
            int json = jsonSize();
            writeFrameHead(out, framing, json, 0x81); // WebSocket: FIN, text
            out.writeBytes(head);
            if (seq > 0) {
                out.writeBytes(SEQ_FIELD);
                writeDecimal(out, seq, seqDigits);
            }
            out.writeByte('}');
            if (framing == Framing.LINES) out.writeByte('\n');
        }
    }

    /**
     * An event carrying a {@link dev.switchboard.protocol.Payload.Kind#BINARY} payload as a binary
     * envelope, for a connection that opted in at hello on a binary framing (length-prefixed, or a
     * WebSocket binary frame): the event's JSON without its payload field, then the raw bytes.
     */
    public static PushedBytes binaryEvent(SessionEvent event, Payload payload, long seq, Framing framing) {
        if (framing == Framing.LINES) throw new IllegalArgumentException("lines cannot carry a binary envelope");
        Map<String, Object> header = event.message(seq);
        header.remove(PayloadFields.BASE64);
        header.remove(PayloadFields.TEXT_OR_JSON);
        ByteBuf envelope = io.netty.buffer.Unpooled.buffer();
        BinaryEnvelope.encode(header, payload, envelope);
        byte[] bytes = io.netty.buffer.ByteBufUtil.getBytes(envelope);
        return new PushedBytes() {
            @Override
            public int size() {
                return framedSize(framing, bytes.length);
            }

            @Override
            public void writeTo(ByteBuf out) {
                writeFrameHead(out, framing, bytes.length, 0x82); // WebSocket: FIN, binary
                out.writeBytes(bytes);
            }
        };
    }

    /**
     * A direct message as a compact relay frame ({@link dev.switchboard.protocol.binary.RelayFrame}):
     * the sender's id and the seq before the payload's bytes, written once into the connection's
     * buffer with nothing re-encoded. {@code fromUtf8} is at most 255 bytes.
     */
    public static PushedBytes relayMessage(byte[] fromUtf8, Payload payload, long seq, Framing framing) {
        if (framing == Framing.LINES) throw new IllegalArgumentException("lines cannot carry a relay frame");
        int body = dev.switchboard.protocol.binary.RelayFrame.messageSize(fromUtf8, payload);
        return new PushedBytes() {
            @Override
            public int size() {
                return framedSize(framing, body);
            }

            @Override
            public void writeTo(ByteBuf out) {
                writeFrameHead(out, framing, body, 0x82); // WebSocket: FIN, binary
                dev.switchboard.protocol.binary.RelayFrame.writeMessage(fromUtf8, seq, payload, out);
            }
        };
    }

    private static int framedSize(Framing framing, int body) {
        return switch (framing) {
            case LINES -> body + 1;
            case LENGTH_PREFIXED -> body + 4;
            case WEBSOCKET -> body + (body < 126 ? 2 : body < 65536 ? 4 : 10);
        };
    }

    /** What goes before a message of {@code body} bytes: its length, or an unmasked WebSocket frame header. */
    private static void writeFrameHead(ByteBuf out, Framing framing, int body, int wsFirstByte) {
        switch (framing) {
            case LENGTH_PREFIXED -> out.writeInt(body);
            case WEBSOCKET -> {
                out.writeByte(wsFirstByte);
                if (body < 126) {
                    out.writeByte(body);
                } else if (body < 65536) {
                    out.writeByte(126).writeShort(body);
                } else {
                    out.writeByte(127).writeLong(body);
                }
            }
            case LINES -> { }
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
