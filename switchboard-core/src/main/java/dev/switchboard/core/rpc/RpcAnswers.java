package dev.switchboard.core.rpc;

import dev.switchboard.protocol.ErrorCode;
import dev.switchboard.protocol.Frame;
import dev.switchboard.protocol.Payload;
import dev.switchboard.protocol.PayloadFields;
import dev.switchboard.protocol.ProtocolException;
import dev.switchboard.protocol.Reply;
import java.util.Map;

/**
 * A responder's answer to a call — a payload, or {@code error: {code, message, data}} — read into
 * the call's outcome, the same way whoever answers: a backend's {@code rpc.respond}, a webhook's
 * response body.
 */
public final class RpcAnswers {
    private RpcAnswers() {
    }

    /** True when {@code f} carries an answer: a payload or an error. */
    public static boolean present(Frame f) {
        return f.present("error") || f.present(PayloadFields.TEXT_OR_JSON) || f.present(PayloadFields.BASE64);
    }

    /**
     * The outcome {@code f} gives: an application error for {@code error}, else a result with its
     * payload (none is an empty text).
     *
     * @throws ProtocolException {@code invalid_argument} when the answer is malformed
     */
    public static Reply read(Frame f) {
        if (f.has("error")) {
            if (PayloadFields.readOptional(f) != null) throw invalid("send either a payload or error, not both");
            return applicationError(f.value("error"));
        }
        Payload p = PayloadFields.readOptional(f);
        return RpcReplies.result(p == null ? Payload.ofUtf8("") : p);
    }

    private static Reply applicationError(Object raw) {
        if (!(raw instanceof Map<?, ?> e)) throw invalid("error must be an object {code, message, data}");
        if (!(e.get("code") instanceof String code) || !Reply.APPLICATION_CODE.matcher(code).matches()) {
            throw invalid("error.code must be 1 to 64 of [a-z0-9_.-]");
        }
        Object message = e.get("message");
        if (message != null && !(message instanceof String)) throw invalid("error.message must be a string");
        return Reply.applicationError(code, (String) message, e.get("data"));
    }

    /** The outcome of a call that got no answer within {@code timeoutMs}. */
    public static Reply timeout(long timeoutMs) {
        return RpcReplies.timeout(timeoutMs);
    }

    private static ProtocolException invalid(String message) {
        return new ProtocolException(ErrorCode.INVALID_ARGUMENT, message);
    }
}
