package dev.switchboard.server.transport.acomm;

import dev.switchboard.protocol.Payload;
import dev.switchboard.protocol.json.ProtocolJson;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.util.Base64;
import java.util.Map;
import tools.jackson.core.JsonGenerator;

/**
 * acomm's message shapes (docs/messaging.md, "acomm"), written byte for byte as acomm's Go
 * marshallers write them: a Response has {@code error} first and always as a string, then
 * {@code id}, {@code result} (raw JSON or null) and {@code stream_url} (always null here); a
 * Request's {@code responsehook} is Go's {@code url.URL} struct, the only form acomm's own decoder
 * takes. On a socket each message is a frame: a 4-byte big-endian length, then the JSON.
 */
public final class AcommWire {
    static final int LENGTH_BYTES = 4;

    private AcommWire() {
    }

    /** The acknowledgement a receiver writes before acting on a message; {@code error} empty when it was taken. */
    public static byte[] ack(String error) {
        return response(error, "", null);
    }

    /**
     * A Response: {@code {"error":…,"id":…,"result":…,"stream_url":null}}.
     *
     * @param id         the request's id as it came (a string, or a number from a non-Go client)
     * @param resultJson the result's JSON text, or null for {@code null}
     */
    public static byte[] response(String error, Object id, String resultJson) {
        return write(g -> {
            g.writeStartObject();
            g.writeStringProperty("error", error == null ? "" : error);
            g.writeName("id");
            writeId(g, id);
            g.writeName("result");
            if (resultJson == null) {
                g.writeNull();
            } else {
                g.writeRawValue(resultJson);
            }
            g.writeNullProperty("stream_url");
            g.writeEndObject();
        });
    }

    /** A Request to a backend written for acomm, whose Response is to come to the Unix socket {@code hookPath}. */
    public static byte[] request(String id, String task, String argsJson, String hookPath) {
        return write(g -> {
            g.writeStartObject();
            g.writeStringProperty("id", id);
            g.writeStringProperty("task", task);
            g.writeName("responsehook");
            g.writeStartObject();
            g.writeStringProperty("Scheme", "unix");
            g.writeStringProperty("Opaque", "");
            g.writeNullProperty("User");
            g.writeStringProperty("Host", "");
            g.writeStringProperty("Path", hookPath);
            g.writeStringProperty("RawPath", "");
            g.writeBooleanProperty("OmitHost", false);
            g.writeBooleanProperty("ForceQuery", false);
            g.writeStringProperty("RawQuery", "");
            g.writeStringProperty("Fragment", "");
            g.writeStringProperty("RawFragment", "");
            g.writeEndObject();
            g.writeName("args");
            g.writeRawValue(argsJson);
            g.writeEndObject();
        });
    }

    /**
     * A payload as acomm's raw JSON ({@code args} or {@code result}): a JSON value as it is, text
     * as a JSON string, bytes as a JSON string of their base64.
     */
    public static String json(Payload p) {
        return switch (p.kind()) {
            case JSON -> p.utf8();
            case TEXT -> ProtocolJson.MAPPER.writeValueAsString(p.utf8());
            case BINARY -> ProtocolJson.MAPPER.writeValueAsString(Base64.getEncoder().encodeToString(p.toByteArray()));
        };
    }

    /** {@code json} framed: its length, then itself. */
    public static ByteBuf frame(ByteBufAllocator alloc, byte[] json) {
        ByteBuf out = alloc.buffer(LENGTH_BYTES + json.length);
        out.writeInt(json.length);
        out.writeBytes(json);
        return out;
    }

    /**
     * The JSON object of one frame (the length already taken off), read with the native protocol's
     * strict rules. Throws {@link IllegalArgumentException} saying what is wrong.
     */
    @SuppressWarnings("unchecked")
    public static Map<String, Object> parse(ByteBuf body) {
        byte[] bytes = new byte[body.readableBytes()];
        body.getBytes(body.readerIndex(), bytes);
        Object value;
        try {
            value = ProtocolJson.MAPPER.readValue(bytes, Object.class);
        } catch (tools.jackson.core.JacksonException e) {
            throw new IllegalArgumentException("malformed JSON: " + e.getOriginalMessage());
        }
        if (!(value instanceof Map<?, ?> m)) throw new IllegalArgumentException("a message must be a JSON object");
        return (Map<String, Object>) m;
    }

    /** True for an id acomm can echo: a string, or a whole number from a client that is not acomm's. */
    static boolean usableId(Object id) {
        return id instanceof String || id instanceof Integer || id instanceof Long || id instanceof BigInteger;
    }

    /** The id as it came: acomm's string, or a number from another client ({@link #usableId}). */
    private static void writeId(JsonGenerator g, Object id) {
        if (id instanceof BigInteger || id instanceof Integer || id instanceof Long) {
            g.writePOJO(id);
        } else {
            g.writeString(id instanceof String s ? s : "");
        }
    }

    private interface Body {
        void write(JsonGenerator g);
    }

    private static byte[] write(Body body) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(128);
        try (JsonGenerator g = ProtocolJson.MAPPER.createGenerator(out)) {
            body.write(g);
        }
        return out.toByteArray();
    }
}
