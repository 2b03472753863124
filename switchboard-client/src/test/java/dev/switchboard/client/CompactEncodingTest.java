package dev.switchboard.client;

import dev.switchboard.protocol.json.CompactJson;
import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Lock requests written without the generator are the generator's bytes, and anything not plain still goes through it. */
class CompactEncodingTest {
    private static String encoded(Outgoing msg, long id, boolean generator) {
        ByteBuf out = Unpooled.buffer();
        if (generator) {
            Connection.encodeWithGenerator(out, id, msg);
        } else {
            Connection.encode(out, id, msg);
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    @Test
    void aLockAcquireIsWrittenAsTheGeneratorWritesIt() {
        LockMessage msg = new LockMessage(Resource.lock("orders"), "lock.acquire").timeoutMs(5000).lease(Duration.ofSeconds(30));
        assertThat(encoded(msg, 7, false))
                .isEqualTo("{\"op\":\"lock.acquire\",\"id\":7,\"key\":\"orders\",\"timeout_ms\":5000,\"lease_ms\":30000}\n")
                .isEqualTo(encoded(msg, 7, true));
    }

    @Test
    void randomLockAndSemaphoreRequestsAreTheGeneratorsBytes() {
        Random random = new Random(11);
        List<String> ops = List.of("lock.acquire", "lock.release", "lock.renew", "sem.acquire", "sem.release", "lock.enqueue");
        String alphabet = "abcXYZ019-_.:/{}[]~@\"\\\u00e9\u4e2d\u0001\u007f";
        int compact = 0;
        for (int i = 0; i < 5000; i++) {
            StringBuilder key = new StringBuilder();
            int len = 1 + random.nextInt(20);
            boolean plainOnly = random.nextInt(3) > 0;
            for (int k = 0; k < len; k++) {
                key.append(alphabet.charAt(random.nextInt(plainOnly ? 20 : alphabet.length())));
            }
            String op = ops.get(random.nextInt(ops.size()));
            Resource resource = op.startsWith("sem") ? Resource.semaphore(key.toString(), 1 + random.nextInt(1000)) : Resource.lock(key.toString());
            LockMessage msg = new LockMessage(resource, op);
            if (random.nextBoolean()) {
                msg.timeoutMs(random.nextInt(4) == 0 ? 0 : Math.abs(random.nextLong()) % 10_000_000_000L);
            }
            if (random.nextBoolean()) {
                msg.lease(Duration.ofMillis(1 + random.nextInt(3_600_000)));
            }
            if (random.nextBoolean()) {
                msg.token(random.nextBoolean() ? Long.toHexString(random.nextLong()) : "t\u00e9" + random.nextInt());
            }
            long id = random.nextInt(5) == 0 ? Long.MAX_VALUE - random.nextInt(1000) : random.nextInt(1_000_000);
            String fast = encoded(msg, id, false);
            assertThat(fast).as("request %d", i).isEqualTo(encoded(msg, id, true));
            if (msg.writeCompactFields(new CompactJson())) {
                compact++;
            }
        }
        assertThat(compact).as("requests written without the generator").isBetween(1000, 4900);
    }

    @Test
    void numbersAreSpelledAsJavaSpellsThem() {
        for (long v : new long[] {0, 1, 9, 10, 99, 100, 12345, -1, -10, Long.MAX_VALUE, Long.MIN_VALUE, Long.MIN_VALUE + 1}) {
            CompactJson out = new CompactJson();
            out.number(v);
            assertThat(out.toString()).isEqualTo(Long.toString(v));
        }
    }
}
