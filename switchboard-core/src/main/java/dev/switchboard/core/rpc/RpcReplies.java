package dev.switchboard.core.rpc;

import dev.switchboard.protocol.ErrorCode;
import dev.switchboard.protocol.Payload;
import dev.switchboard.protocol.PayloadFields;
import dev.switchboard.protocol.Reply;
import java.util.LinkedHashMap;
import java.util.Map;

/** The replies of request/reply, built in one place so that every target answers alike. */
final class RpcReplies {
    private RpcReplies() {
    }

    /** {@code {"payload":…}} or {@code {"payload_b64":…}}: the same kind as the responder sent. */
    static Reply result(Payload payload) {
        Map<String, Object> result = new LinkedHashMap<>();
        PayloadFields.put(result, payload);
        return Reply.ok(result);
    }

    static Reply noResponders(String name) {
        return Reply.error(ErrorCode.NO_RESPONDERS, "nothing serves " + name);
    }

    static Reply disconnected() {
        return Reply.error(ErrorCode.DISCONNECTED, "the backend serving the request went away");
    }

    static Reply internal() {
        return Reply.error(ErrorCode.INTERNAL, "the request's handler failed on the server");
    }

    static Reply shuttingDown() {
        return Reply.error(ErrorCode.SHUTTING_DOWN, "the server is shutting down");
    }

    static Reply timeout(long timeoutMs) {
        return Reply.error(ErrorCode.TIMEOUT, "no answer within " + timeoutMs + " ms");
    }
}
