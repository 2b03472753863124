package dev.switchboard.server.nativeproto;

import java.util.ArrayList;
import java.util.List;
import tools.jackson.databind.JsonNode;

/** The peer ids of a presence answer's or event's list. */
final class PresenceTestIds {
    private PresenceTestIds() {
    }

    static List<String> of(JsonNode list) {
        List<String> out = new ArrayList<>();
        list.forEach(n -> out.add(n.asString()));
        return out;
    }
}
