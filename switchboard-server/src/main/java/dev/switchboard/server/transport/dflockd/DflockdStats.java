package dev.switchboard.server.transport.dflockd;

import dev.switchboard.server.transport.JsonSupport;
import java.util.Map;

/** JSON as dflockd's Go code writes it: compact, and with Go's escaping of HTML-sensitive characters. */
public final class DflockdStats {
    private DflockdStats() {
    }

    public static String render(Map<String, ?> value) {
        return DflockdCommands.escapeLikeGo(JsonSupport.writeString(value));
    }
}
