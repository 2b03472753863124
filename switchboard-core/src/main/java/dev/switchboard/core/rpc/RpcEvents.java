package dev.switchboard.core.rpc;

import dev.switchboard.core.session.FieldsEvent;
import dev.switchboard.core.session.Session;
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
            long leftMs = Math.max(1, (call.deadlineNanos() - clock.nanoTime()) / 1_000_000L);
            e.put("timeout_ms", leftMs);
            e.put("stream", call.stream() != null);
        }
        e.put("notify", call.isNotify());
        Session caller = call.caller();
        if (caller != null) {
            Map<String, Object> c = new LinkedHashMap<>();
            c.put("session", caller.id());
            c.put("transport", caller.transport());
            e.put("caller", c);
        }
        return new FieldsEvent(e);
    }
}
