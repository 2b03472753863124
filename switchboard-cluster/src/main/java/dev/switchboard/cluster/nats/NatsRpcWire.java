package dev.switchboard.cluster.nats;

import dev.switchboard.protocol.ErrorCode;
import dev.switchboard.protocol.Payload;
import dev.switchboard.protocol.PayloadFields;
import dev.switchboard.protocol.Reply;
import dev.switchboard.protocol.json.ProtocolJson;
import io.nats.client.Message;
import io.nats.client.impl.Headers;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * How a call and its outcome travel between nodes on NATS. A request is the payload's bytes as
 * the message body, with headers for what the body is and how long the caller still waits. A
 * result is the same for the answer's payload; any other outcome is {@code Sb-Error} with the
 * error object of the native protocol ({@code code, message, data, origin}) as JSON, so that an
 * application error, {@code timeout}, {@code disconnected}, {@code shutting_down} and the rest
 * reach the caller as the serving node gave them.
 */
final class NatsRpcWire {
    static final String KIND = "Sb-Kind";
    static final String TIMEOUT_MS = "Sb-Timeout-Ms";
    static final String IDEMPOTENT = "Sb-Idempotent";
    static final String ERROR = "Sb-Error";
    /** Marks a notify: the serving node answers once a member took it, with no payload. */
    static final String NOTIFY = "Sb-Notify";
    /** Marks a streaming call: the subject on which the caller's node takes the call's chunks ({@link NatsCallerStreams}). */
    static final String STREAM = "Sb-Stream";
    /** Room kept for the protocol line and headers when a body is checked against max_payload. */
    static final int ENVELOPE_BYTES = 512;

    private NatsRpcWire() {
    }

    /** A request's headers. */
    static Headers requestHeaders(Payload payload, long timeoutMs, boolean idempotent) {
        Headers h = new Headers();
        h.put(KIND, payload.kind().name());
        h.put(TIMEOUT_MS, Long.toString(timeoutMs));
        if (idempotent) h.put(IDEMPOTENT, "true");
        return h;
    }

    /** The payload a request or result message carries. */
    static Payload payload(Message m) {
        byte[] body = m.getData() == null ? new byte[0] : m.getData();
        String kind = m.getHeaders() == null ? null : m.getHeaders().getFirst(KIND);
        if (Payload.Kind.BINARY.name().equals(kind)) return Payload.binary(body);
        String text = new String(body, StandardCharsets.UTF_8);
        if (Payload.Kind.JSON.name().equals(kind)) return PayloadFields.fromValue(ProtocolJson.MAPPER.readValue(text, Object.class));
        return Payload.ofUtf8(text);
    }

    /** How long the caller still waits, as the request says; {@code fallback} when it says nothing readable. */
    static long timeoutMs(Message m, long fallback) {
        String v = m.getHeaders() == null ? null : m.getHeaders().getFirst(TIMEOUT_MS);
        try {
            return v == null ? fallback : Math.max(1, Long.parseLong(v));
        } catch (NumberFormatException e) {
            return fallback;
        }
    }

    static boolean notify(Message m) {
        return m.getHeaders() != null && "true".equals(m.getHeaders().getFirst(NOTIFY));
    }

    /** The chunk subject of a streaming call's request; null for a plain call. */
    static String stream(Message m) {
        return m.getHeaders() == null ? null : m.getHeaders().getFirst(STREAM);
    }

    /** A chunk's headers (what its body is). */
    static Headers chunkHeaders(Payload chunk) {
        Headers h = new Headers();
        h.put(KIND, chunk.kind().name());
        return h;
    }

    static boolean idempotent(Message m) {
        return m.getHeaders() != null && "true".equals(m.getHeaders().getFirst(IDEMPOTENT));
    }

    /** An outcome as a reply message: its headers and body. */
    record Encoded(Headers headers, byte[] body) {
        int size() {
            return body.length + ENVELOPE_BYTES;
        }
    }

    static Encoded encode(Reply reply) {
        Headers h = new Headers();
        if (reply.isError()) {
            h.put(ERROR, "true");
            return new Encoded(h, ProtocolJson.MAPPER.writeValueAsBytes(reply.errorFields()));
        }
        Object p = reply.result() == null ? null : reply.result().get(PayloadFields.TEXT_OR_JSON);
        if (p == null) p = reply.result() == null ? null : reply.result().get(PayloadFields.BASE64);
        Payload payload = p instanceof Payload pl ? pl : Payload.ofUtf8("");
        h.put(KIND, payload.kind().name());
        return new Encoded(h, payload.toByteArray());
    }

    /** The outcome a reply message carries; {@code internal} when it cannot be read. */
    static Reply decode(Message m) {
        if (m.getHeaders() == null || m.getHeaders().getFirst(ERROR) == null) {
            Map<String, Object> result = new LinkedHashMap<>();
            PayloadFields.put(result, payload(m));
            return Reply.ok(result);
        }
        try {
            Map<?, ?> e = ProtocolJson.MAPPER.readValue(m.getData(), Map.class);
            String code = String.valueOf(e.get("code"));
            String message = e.get("message") == null ? "" : String.valueOf(e.get("message"));
            if ("application".equals(e.get("origin"))) return Reply.applicationError(code, message, e.get("data"));
            return Reply.error(ErrorCode.fromWire(code).orElse(ErrorCode.INTERNAL), message);
        } catch (RuntimeException e) {
            return Reply.error(ErrorCode.INTERNAL, "the serving node's answer could not be read");
        }
    }
}
