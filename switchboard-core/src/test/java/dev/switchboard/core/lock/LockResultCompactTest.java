package dev.switchboard.core.lock;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.protocol.json.CompactJson;
import dev.switchboard.protocol.json.JsonMessageEncoder;
import dev.switchboard.protocol.json.JsonWritable;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import tools.jackson.core.JsonGenerator;

/** A lock result written without the generator is the generator's bytes; one that is not plain is left to it. */
class LockResultCompactTest {
    private static String withGenerator(LockResult r) {
        ByteBuf out = Unpooled.buffer();
        // An anonymous writer has no compact form: this is the generator's output.
        JsonMessageEncoder.encode(new JsonWritable() {
            @Override
            public void writeJson(JsonGenerator g) {
                r.writeJson(g);
            }
        }, out);
        return out.toString(StandardCharsets.UTF_8);
    }

    private static String compact(LockResult r) {
        CompactJson out = new CompactJson();
        assertThat(r.writeCompact(out)).isTrue();
        return out.toString();
    }

    @Test
    void everyShapeOfResultIsTheGeneratorsBytes() {
        Random random = new Random(3);
        List<LockResult> fixed = List.of(LockResult.QUEUED, LockResult.TIMEOUT, LockResult.RELEASED, LockResult.renewed(0), LockResult.renewed(30_000));
        for (LockResult r : fixed) {
            assertThat(compact(r)).isEqualTo(withGenerator(r));
        }
        for (int i = 0; i < 1000; i++) {
            LockResult r = LockResult.acquired(Long.toHexString(random.nextLong()) + Long.toHexString(random.nextLong()),
                    random.nextInt(10) == 0 ? Long.MAX_VALUE : random.nextInt(Integer.MAX_VALUE));
            assertThat(compact(r)).isEqualTo(withGenerator(r));
        }
        assertThat(compact(LockResult.acquired("ab12", 30_000))).isEqualTo("{\"status\":\"acquired\",\"token\":\"ab12\",\"lease_ms\":30000}");
    }

    @Test
    void aTokenThatIsNotPlainIsLeftToTheGenerator() {
        CompactJson out = new CompactJson();
        assertThat(LockResult.acquired("t\"é", 1).writeCompact(out)).isFalse();
        assertThat(out.position()).isZero();
        ByteBuf encoded = Unpooled.buffer();
        JsonMessageEncoder.encode(LockResult.acquired("t\"é", 1), encoded);
        assertThat(encoded.toString(StandardCharsets.UTF_8)).isEqualTo("{\"status\":\"acquired\",\"token\":\"t\\\"é\",\"lease_ms\":1}");
    }
}
