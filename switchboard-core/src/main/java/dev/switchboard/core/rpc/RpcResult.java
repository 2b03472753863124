package dev.switchboard.core.rpc;

import dev.switchboard.protocol.Payload;
import dev.switchboard.protocol.Reply;
import dev.switchboard.protocol.json.ProtocolJson;
import java.util.LinkedHashMap;

/**
 * The answer of an in-process handler: a payload for the caller ({@link #ok}), or an application
 * error ({@link #error}), which the caller receives as
 * {@code {"code":…,"message":…,"data":…,"origin":"application"}}.
 */
public final class RpcResult {
    private final Reply reply;

    private RpcResult(Reply reply) {
        this.reply = reply;
    }

    /** A result carrying {@code payload} (text, a JSON value or bytes). */
    public static RpcResult ok(Payload payload) {
        if (payload == null) throw new IllegalArgumentException("payload must not be null");
        return new RpcResult(RpcReplies.result(payload));
    }

    /**
     * An application error.
     *
     * @param code     the application's code: 1 to 64 of {@code [a-z0-9_.-]}
     * @param message  for people; may be null
     * @param dataJson the JSON text of a value for the caller, or null for none
     * @throws IllegalArgumentException when the code or the JSON is not acceptable
     */
    public static RpcResult error(String code, String message, String dataJson) {
        Object data = null;
        if (dataJson != null) {
            try {
                data = ProtocolJson.MAPPER.readValue(dataJson, Object.class);
            } catch (RuntimeException e) {
                throw new IllegalArgumentException("dataJson is not valid JSON: " + e.getMessage(), e);
            }
        }
        return new RpcResult(Reply.applicationError(code, message, data));
    }

    /** The outcome as the caller receives it. */
    Reply reply() {
        return reply;
    }

    @Override
    public String toString() {
        return reply.isError() ? "RpcResult" + new LinkedHashMap<>(reply.errorFields()) : "RpcResult{ok}";
    }
}
