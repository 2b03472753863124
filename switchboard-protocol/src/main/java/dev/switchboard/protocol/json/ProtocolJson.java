package dev.switchboard.protocol.json;

import tools.jackson.core.StreamReadFeature;
import tools.jackson.core.StreamWriteFeature;
import tools.jackson.core.json.JsonFactory;
import tools.jackson.core.util.JsonRecyclerPools;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.json.JsonMapper;

/**
 * The JSON settings of the native protocol, the same at both ends: compact output with decimals
 * written plainly, and strict input (one value per message, exact decimals, and no key twice in
 * an object, because "the last one wins" would let two readers of one message see different
 * requests).
 *
 * <p>Buffers for parsers and generators come from a pool per thread, not Jackson 3's default
 * shared deque: every message at both ends takes and returns one, and on the hot paths (event
 * loops, a client's callers) the shared deque's take and return were a tenth of the client's
 * samples. The threads that do this are long-lived platform threads, where a per-thread pool
 * is what Jackson 2 used by default.
 */
public final class ProtocolJson {
    public static final JsonMapper MAPPER = JsonMapper.builder(JsonFactory.builder()
                    .recyclerPool(JsonRecyclerPools.threadLocalPool())
                    .build())
            .enable(StreamWriteFeature.WRITE_BIGDECIMAL_AS_PLAIN)
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .build();

    private ProtocolJson() {
    }
}
