package dev.switchboard.server.transport.json;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.protocol.json.CompactJson;
import dev.switchboard.protocol.json.JsonMessageEncoder;
import dev.switchboard.protocol.json.JsonWritable;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.AbstractMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import tools.jackson.core.JsonGenerator;

/** A reply written without the generator is the generator's bytes, whatever its id; anything else is left to the generator. */
class ReplyMessageCompactTest {
    /** A typed result, as the lock results are: one string field, compact when plain. */
    private static final class Result extends AbstractMap<String, Object> implements JsonWritable {
        private final String status;

        Result(String status) {
            this.status = status;
        }

        @Override
        public void writeJson(JsonGenerator g) {
            g.writeStartObject();
            g.writeStringProperty("status", status);
            g.writeEndObject();
        }

        @Override
        public boolean writeCompact(CompactJson out) {
            if (!CompactJson.isPlain(status)) {
                return false;
            }
            int start = out.position();
            out.stringField("status", status);
            out.endObject(start);
            return true;
        }

        @Override
        public Set<Entry<String, Object>> entrySet() {
            return Map.<String, Object>of("status", status).entrySet();
        }
    }

    private static String encoded(Object msg) {
        ByteBuf out = Unpooled.buffer();
        JsonMessageEncoder.encode(msg, out);
        return out.toString(StandardCharsets.UTF_8);
    }

    private static String withGenerator(ReplyMessage reply) {
        return encoded(new JsonWritable() {
            @Override
            public void writeJson(JsonGenerator g) {
                reply.writeJson(g);
            }
        });
    }

    @Test
    void repliesWithAnyIdAreTheGeneratorsBytes() {
        for (Object id : new Object[] {7, 0, Integer.MAX_VALUE, Long.MAX_VALUE, -5L, "req-1", "", "q\"uote", "é", BigInteger.TEN.pow(30), null}) {
            for (String status : new String[] {"acquired", "t\\é"}) {
                ReplyMessage reply = new ReplyMessage(id, new Result(status));
                assertThat(encoded(reply)).as("id %s status %s", id, status).isEqualTo(withGenerator(reply));
            }
        }
        assertThat(encoded(new ReplyMessage(7, new Result("acquired")))).isEqualTo("{\"op\":\"reply\",\"id\":7,\"result\":{\"status\":\"acquired\"}}");
    }

    @Test
    void aPlainIdWithAMapResultIsLeftToTheGenerator() {
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("n", 1);
        CompactJson out = new CompactJson();
        assertThat(new ReplyMessage(7, result).writeCompact(out)).isFalse();
        assertThat(out.position()).isZero();
        assertThat(encoded(new ReplyMessage(7, result))).isEqualTo("{\"op\":\"reply\",\"id\":7,\"result\":{\"n\":1}}");
    }
}
