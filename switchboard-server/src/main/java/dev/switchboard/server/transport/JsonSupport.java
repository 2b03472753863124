package dev.switchboard.server.transport;

import java.util.Map;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.core.StreamWriteFeature;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.json.JsonMapper;

/**
 * The JSON mappers of the server: compact output, decimals written plainly, strict input. An
 * object that names a key twice is refused (Jackson would keep the last value silently, so two
 * parts of a system could read one message differently).
 */
public final class JsonSupport {
    public static final JsonMapper MAPPER = JsonMapper.builder()
            .enable(StreamWriteFeature.WRITE_BIGDECIMAL_AS_PLAIN)
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .build();

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
