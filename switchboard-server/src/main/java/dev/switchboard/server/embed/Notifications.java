package dev.switchboard.server.embed;

import dev.switchboard.core.session.FieldsEvent;
import dev.switchboard.core.session.SessionEvent;
import dev.switchboard.protocol.Payload;
import dev.switchboard.protocol.PayloadFields;
import java.util.LinkedHashMap;
import java.util.Map;

/** The events the embedding program pushes to clients. */
final class Notifications {
    private Notifications() {
    }

    /** A named message: {@code {"op":"notify","name":…,payload}} ({@code seq} added when the session numbers it). */
    static SessionEvent notify(String name, Payload payload) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("op", "notify");
        m.put("name", name);
        PayloadFields.put(m, payload);
        return new FieldsEvent(m);
    }

    /** The session's attributes after the embedding program changed them: {@code {"op":"session.attributes","attributes":{…}}}. */
    static SessionEvent attributes(Map<String, String> attributes) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("op", "session.attributes");
        m.put("attributes", attributes);
        return new FieldsEvent(m);
    }
}
