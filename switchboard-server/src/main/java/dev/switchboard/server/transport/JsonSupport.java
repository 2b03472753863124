package dev.switchboard.server.transport;

import java.util.Map;
import tools.jackson.core.StreamWriteFeature;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.json.JsonMapper;

/** The one JSON mapper of the server: compact output, decimals written plainly, strict input. */
public final class JsonSupport {
    public static final JsonMapper MAPPER = JsonMapper.builder()
            .enable(StreamWriteFeature.WRITE_BIGDECIMAL_AS_PLAIN)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
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
