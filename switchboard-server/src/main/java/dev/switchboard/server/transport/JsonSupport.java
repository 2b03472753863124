package dev.switchboard.server.transport;

import dev.switchboard.protocol.json.ProtocolJson;
import java.util.Map;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.databind.json.JsonMapper;

/**
 * The JSON mappers of the server: compact output, decimals written plainly, strict input. An
 * object that names a key twice is refused (Jackson would keep the last value silently, so two
 * parts of a system could read one message differently).
 */
public final class JsonSupport {
    /** The protocol module's mapper, which the native codecs (and the Java client) use too. */
    public static final JsonMapper MAPPER = ProtocolJson.MAPPER;

    /**
     * For dflockd's HTTP request bodies only: Go's encoding/json takes the last of duplicate keys,
     * and a dflockd client must get the answer dflockd would give.
     */
    public static final JsonMapper LAST_DUPLICATE_WINS = MAPPER.rebuild()
            .disable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build();

    private JsonSupport() {
    }

    public static byte[] write(Map<String, ?> value) {
        return MAPPER.writeValueAsBytes(value);
    }

    public static String writeString(Map<String, ?> value) {
        return MAPPER.writeValueAsString(value);
    }
}
