package dev.switchboard.core.session;

import dev.switchboard.core.Dispatcher;
import dev.switchboard.protocol.ErrorCode;
import dev.switchboard.protocol.Frame;
import dev.switchboard.protocol.ProtocolException;
import dev.switchboard.protocol.Reply;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A session's own view of itself: {@code session.info}, and {@code session.set} to change its
 * attributes. Keys under {@value #SERVER_PREFIX} belong to the server (an embedding program sets
 * them); a client may read them but not change them.
 */
public final class SessionOps {
    public static final String SERVER_PREFIX = "server.";

    public void registerWith(Dispatcher dispatcher) {
        dispatcher.register("session.info", req -> req.reply(Reply.ok(info(req.session()))));
        dispatcher.register("session.set", req -> {
            Session s = req.session();
            Frame f = req.frame();
            if (!(f.has("attributes")) || !(f.value("attributes") instanceof Map<?, ?> raw)) {
                throw new ProtocolException(ErrorCode.INVALID_ARGUMENT, "attributes must be an object of strings (null removes a key)");
            }
            Map<String, String> changes = new LinkedHashMap<>();
            for (Map.Entry<?, ?> e : raw.entrySet()) {
                String key = String.valueOf(e.getKey());
                if (key.startsWith(SERVER_PREFIX)) {
                    throw new ProtocolException(ErrorCode.INVALID_ARGUMENT, "attribute " + key + " is set by the server only");
                }
                if (e.getValue() != null && !(e.getValue() instanceof String)) {
                    throw new ProtocolException(ErrorCode.INVALID_ARGUMENT, "attribute " + key + " must be a string or null");
                }
                changes.put(key, (String) e.getValue());
            }
            try {
                s.updateAttributes(changes);
            } catch (IllegalArgumentException e) {
                throw new ProtocolException(ErrorCode.INVALID_ARGUMENT, e.getMessage());
            }
            req.reply(Reply.ok(info(s)));
        });
    }

    private static Map<String, Object> info(Session s) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("session", s.id());
        out.put("transport", s.transport());
        out.put("state", s.state());
        out.put("attributes", s.attributes());
        if (s.resumable()) {
            out.put("connections", (long) s.connectionCount());
            out.put("last_seq", s.replay().lastSeq());
        }
        return out;
    }
}
