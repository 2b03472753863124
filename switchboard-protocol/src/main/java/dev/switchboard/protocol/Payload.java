package dev.switchboard.protocol;

import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The bytes a frame carries for its client — a signal's payload, say — kept as bytes from the
 * codec that read them to the codec that writes them, so that a transport that can carry bytes
 * (dflockd's lines today, binary frames tomorrow) forwards them as they came, without decoding
 * and encoding them again. A JSON transport writes them as a string: today's payloads all arrive
 * as text, so they are valid UTF-8 ({@link #validUtf8()}).
 *
 * <p>Immutable: the bytes are copied in and never handed out.
 */
public final class Payload {
    private final byte[] bytes;
    private volatile String text;

    private Payload(byte[] bytes, String text) {
        this.bytes = bytes;
        this.text = text;
    }

    /** The UTF-8 bytes of {@code text}. */
    public static Payload ofUtf8(String text) {
        return new Payload(text.getBytes(StandardCharsets.UTF_8), text);
    }

    /** A copy of {@code bytes}. */
    public static Payload of(byte[] bytes) {
        return new Payload(bytes.clone(), null);
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

    /** The bytes as UTF-8 text (decoded once); what a JSON transport writes. */
    @com.fasterxml.jackson.annotation.JsonValue
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
        return o instanceof Payload p && Arrays.equals(bytes, p.bytes);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(bytes);
    }

    /** The text, as a JSON transport writes it. */
    @Override
    public String toString() {
        return utf8();
    }
}
