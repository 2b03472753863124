package dev.switchboard.core.rpc;

import dev.switchboard.core.session.FieldsEvent;
import dev.switchboard.core.session.SessionEvent;
import dev.switchboard.core.time.NodeClock;
import dev.switchboard.protocol.PayloadFields;
import java.util.LinkedHashMap;
import java.util.Map;

/** The events of request/reply that a backend session receives. */
final class RpcEvents {
    private RpcEvents() {
    }

    /**
     * {@code {"op":"rpc.request","rid","name",payload,"timeout_ms":<left>,"stream":…,"notify":…,
     * "caller":{"session","transport"}}}; a notify has no {@code rid} or {@code timeout_ms}
     * (nothing answers it).
     */
    static SessionEvent request(RpcCall call, NodeClock clock) {
        Map<String, Object> e = new LinkedHashMap<>();
        e.put("op", "rpc.request");
        if (!call.isNotify()) e.put("rid", call.rid());
        e.put("name", call.name());
        PayloadFields.put(e, call.payload());
        if (!call.isNotify()) {
            e.put("timeout_ms", call.timeLeftMs(clock));
            e.put("stream", call.stream() != null);
        }
        e.put("notify", call.isNotify());
        Map<String, Object> caller = call.callerFields();
        if (caller != null) e.put("caller", caller);
        return new FieldsEvent(e);
    }
}
