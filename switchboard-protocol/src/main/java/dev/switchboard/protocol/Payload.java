package dev.switchboard.protocol;

import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The bytes a frame carries for its client — a signal's payload, a request's argument — kept as
 * bytes from the codec that read them to the codec that writes them, so that a transport that can
 * carry bytes forwards them as they came, without decoding and encoding them again.
 *
 * <p>A payload has a {@link Kind}, which says how a JSON transport writes it (see
 * {@link PayloadFields}): {@code TEXT} as a JSON string in {@code payload}, {@code JSON} as the JSON
 * value itself in {@code payload}, {@code BINARY} as base64 in {@code payload_b64}. Binary framings
 * carry the bytes of any kind as they are.
 *
 * <p>Immutable: the bytes are copied in and never handed out.
 */
public final class Payload {
    /** What the bytes are, which decides how a JSON transport writes them. */
    public enum Kind {
        /** UTF-8 text (dflockd's signals, a JSON string). */
        TEXT,
        /** The UTF-8 text of one JSON value other than a string, written back as that value. */
        JSON,
        /** Opaque bytes. */
        BINARY
    }

    private final byte[] bytes;
    private final Kind kind;
    private volatile String text;

    private Payload(byte[] bytes, String text, Kind kind) {
        this.bytes = bytes;
        this.text = text;
        this.kind = kind;
    }

    /** The UTF-8 bytes of {@code text}. */
    public static Payload ofUtf8(String text) {
        return new Payload(text.getBytes(StandardCharsets.UTF_8), text, Kind.TEXT);
    }

    /** A copy of {@code bytes}, as text (what a line protocol read). */
    public static Payload of(byte[] bytes) {
        return new Payload(bytes.clone(), null, Kind.TEXT);
    }

    /** A copy of {@code bytes}, as opaque bytes. */
    public static Payload binary(byte[] bytes) {
        return new Payload(bytes.clone(), null, Kind.BINARY);
    }

    /**
     * The JSON text of one value that is not a string, as a parser produced it. Not checked here:
     * only {@link PayloadFields} makes these, from values it parsed.
     */
    static Payload json(String jsonText) {
        return new Payload(jsonText.getBytes(StandardCharsets.UTF_8), jsonText, Kind.JSON);
    }

    public Kind kind() {
        return kind;
    }

    /** A copy of the bytes. */
    public byte[] toByteArray() {
        return bytes.clone();
    }

    /** How many bytes. */
    public int size() {
        return bytes.length;
    }

    /** True when the bytes hold {@code b} somewhere. */
    public boolean contains(byte b) {
        for (byte x : bytes) {
            if (x == b) return true;
        }
        return false;
    }

    /** Appends the bytes to a Netty buffer as they are. */
    public void writeTo(io.netty.buffer.ByteBuf out) {
        out.writeBytes(bytes);
    }

    /** True when the bytes are well-formed UTF-8, so that a text transport can carry them as they are. */
    public boolean validUtf8() {
        try {
            StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(java.nio.ByteBuffer.wrap(bytes));
            return true;
        } catch (CharacterCodingException e) {
            return false;
        }
    }

    /**
     * What an object mapper writes for this payload: the text, the JSON value itself, or base64.
     * A message writer that can choose the field name writes {@code payload_b64} for bytes
     * ({@link PayloadFields}).
     */
    @com.fasterxml.jackson.annotation.JsonValue
    public Object jsonValue() {
        return switch (kind) {
            case TEXT -> utf8();
            case JSON -> new tools.jackson.databind.util.RawValue(utf8());
            case BINARY -> java.util.Base64.getEncoder().encodeToString(bytes);
        };
    }

    /** The bytes as UTF-8 text (decoded once); what a JSON transport writes for text. */
    public String utf8() {
        String t = text;
        if (t == null) {
            t = new String(bytes, StandardCharsets.UTF_8);
            text = t;
        }
        return t;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Payload p && kind == p.kind && Arrays.equals(bytes, p.bytes);
    }

    @Override
    public int hashCode() {
        return 31 * kind.hashCode() + Arrays.hashCode(bytes);
    }

    /** The text, as a JSON transport writes it. */
    @Override
    public String toString() {
        return utf8();
    }
}
