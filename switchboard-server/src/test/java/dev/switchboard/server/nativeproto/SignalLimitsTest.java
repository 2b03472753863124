package dev.switchboard.server.nativeproto;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.server.Switchboard;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** The bounds of signals over the native protocol, with errors that say what the bound is. */
class SignalLimitsTest {
    private Switchboard sb;

    @BeforeEach
    void start() {
        sb = Switchboard.builder().port(0).shutdownTimeout(Duration.ofSeconds(2)).start();
    }

    @AfterEach
    void stop() {
        sb.close();
    }

    @Test
    void aQueueGroupNameOver256BytesIsRefusedAndNotKept() throws Exception {
        try (NativeClient c = NativeClient.hello(sb.port())) {
            JsonNode ok = c.request(listen(1, "g".repeat(256)), 1);
            assertThat(ok.path("op").asString()).isEqualTo("reply");

            JsonNode refused = c.request(listen(2, "g".repeat(257)), 2);
            assertThat(refused.at("/error/code").asString()).isEqualTo("invalid_argument");
            assertThat(refused.at("/error/message").asString()).isEqualTo("group must be at most 256 bytes");
            // Bytes, not characters: 129 two-byte characters are 258 bytes.
            JsonNode wide = c.request(listen(3, "é".repeat(129)), 3);
            assertThat(wide.at("/error/code").asString()).isEqualTo("invalid_argument");

            JsonNode stats = c.request("{\"op\":\"stats\",\"id\":4}", 4);
            assertThat(stats.at("/result/signal_channels")).hasSize(1);
            assertThat(stats.at("/result/signal_channels/0/group").asString()).hasSize(256);
        }
    }

    @Test
    void aPayloadTooLongForItsChannelIsRefusedWithTheLimitInTheMessage() throws Exception {
        int limit = 65_536 - "sig ".length() - "abc".length() - 1;
        try (NativeClient c = NativeClient.hello(sb.port())) {
            JsonNode fits = c.request(publish(1, "abc", "p".repeat(limit)), 1);
            assertThat(fits.at("/result/delivered").asInt()).isZero();

            JsonNode refused = c.request(publish(2, "abc", "p".repeat(limit + 1)), 2);
            assertThat(refused.at("/error/code").asString()).isEqualTo("invalid_argument");
            assertThat(limit).isEqualTo(65_528);
            assertThat(refused.at("/error/message").asString()).startsWith("payload is too long: at most 65528 bytes on this channel");
        }
    }

    private static String listen(int id, String group) {
        return "{\"op\":\"signal.listen\",\"id\":" + id + ",\"pattern\":\"jobs.*\",\"group\":\"" + group + "\"}";
    }

    private static String publish(int id, String channel, String payload) {
        return "{\"op\":\"signal.publish\",\"id\":" + id + ",\"channel\":\"" + channel + "\",\"payload\":\"" + payload + "\"}";
    }
}
