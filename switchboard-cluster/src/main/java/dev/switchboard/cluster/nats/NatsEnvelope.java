package dev.switchboard.cluster.nats;

import dev.switchboard.core.pubsub.StreamPosition;
import dev.switchboard.protocol.Payload;
import dev.switchboard.protocol.PayloadFields;
import dev.switchboard.protocol.json.ProtocolJson;
import io.nats.client.Message;
import io.nats.client.impl.Headers;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * How one publication travels between nodes: the payload's bytes as the NATS body, and headers for
 * what the body cannot say: the publishing node instance ({@value #ORIGIN}) and its sequence
 * number ({@value #SEQUENCE}) so a node drops its own publications and the extra copies NATS
 * hands it when several of its patterns match, the payload kind ({@value #KIND}), and the queue
 * groups the publishing node served itself ({@value #SERVED}), which the other nodes then skip.
 */
final class NatsEnvelope {
    static final String ORIGIN = "Sb-Origin";
    static final String SEQUENCE = "Sb-Seq";
    static final String KIND = "Sb-Kind";
    static final String SERVED = "Sb-Served";
    /** On a topic with history: the message's offset and epoch in the topic's JetStream stream. */
    static final String OFFSET = "Sb-Offset";
    static final String EPOCH = "Sb-Epoch";

    private NatsEnvelope() {
    }

    /** The headers of a publication by {@code origin}, its {@code sequence}th, serving {@code served} itself. */
    static Headers headers(String origin, long sequence, Payload payload, List<String> served) {
        Headers h = new Headers();
        h.put(ORIGIN, origin);
        h.put(SEQUENCE, Long.toString(sequence));
        h.put(KIND, payload.kind().name());
        if (!served.isEmpty()) h.put(SERVED, served);
        return h;
    }

    /** {@link #headers} of a publication kept in its topic's history at {@code position}. */
    static Headers headers(String origin, long sequence, Payload payload, List<String> served, StreamPosition position) {
        Headers h = headers(origin, sequence, payload, served);
        if (!position.isNone()) {
            h.put(OFFSET, Long.toString(position.offset()));
            h.put(EPOCH, position.epoch());
        }
        return h;
    }

    /** The position a publication carries, or {@link StreamPosition#NONE} (none, or malformed). */
    static StreamPosition position(Message m) {
        Headers h = m.getHeaders();
        String offset = h == null ? null : h.getFirst(OFFSET);
        String epoch = h == null ? null : h.getFirst(EPOCH);
        if (offset == null || epoch == null || epoch.isEmpty()) return StreamPosition.NONE;
        try {
            long o = Long.parseLong(offset);
            return o > 0 ? new StreamPosition(o, epoch) : StreamPosition.NONE;
        } catch (NumberFormatException e) {
            return StreamPosition.NONE;
        }
    }

    /**
     * The key naming one queue group (pattern and group) in {@value #SERVED}: both URL-encoded, so
     * a header value never holds a line break and the key is one to one.
     */
    static String groupKey(String pattern, String group) {
        return URLEncoder.encode(pattern, StandardCharsets.UTF_8) + ' ' + URLEncoder.encode(group, StandardCharsets.UTF_8);
    }

    static String origin(Message m) {
        Headers h = m.getHeaders();
        return h == null ? null : h.getFirst(ORIGIN);
    }

    /** The publication's sequence number, or -1 when the header is missing or malformed. */
    static long sequence(Message m) {
        Headers h = m.getHeaders();
        String s = h == null ? null : h.getFirst(SEQUENCE);
        if (s == null) return -1;
        try {
            return Long.parseLong(s);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** True when the publishing node said it served the group {@code key} itself. */
    static boolean served(Message m, String key) {
        Headers h = m.getHeaders();
        List<String> served = h == null ? null : h.get(SERVED);
        return served != null && served.contains(key);
    }

    /**
     * The payload, of the kind the header names. A JSON payload is parsed again rather than
     * trusted: a malformed one from the wire becomes text, so it can never break a JSON frame.
     */
    static Payload payload(Message m) {
        return payload(m.getHeaders(), m.getData());
    }

    /** {@link #payload(Message)} of a message read from a stream. */
    static Payload payload(Headers h, byte[] body) {
        byte[] data = body == null ? new byte[0] : body;
        String kind = h == null ? null : h.getFirst(KIND);
        if (Payload.Kind.BINARY.name().equals(kind)) return Payload.binary(data);
        if (Payload.Kind.JSON.name().equals(kind)) {
            try {
                return PayloadFields.fromValue(ProtocolJson.MAPPER.readValue(data, Object.class));
            } catch (RuntimeException e) {
                return Payload.of(data);
            }
        }
        return Payload.of(data);
    }
}
