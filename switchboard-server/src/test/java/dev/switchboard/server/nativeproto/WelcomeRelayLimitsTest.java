package dev.switchboard.server.nativeproto;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.server.Switchboard;
import java.time.Duration;
import java.util.Base64;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * The welcome's {@code limits} tell a client the direct-message bounds it will meet, as configured,
 * so it can size and pace its messages: a message of exactly {@code relay_max_message_bytes} goes,
 * one byte more is refused.
 */
class WelcomeRelayLimitsTest {
    @Test
    void theWelcomeListsTheDirectMessageBoundsAsConfigured() throws Exception {
        try (Switchboard sb = Switchboard.builder().port(0).shutdownTimeout(Duration.ofSeconds(1))
                .relayMaxMessageBytes(8).relayMaxMessagesPerSecond(50).relayMaxBytesPerSecond(0).relayMaxUnacknowledged(3).start();
             NativeClient sender = NativeClient.lines(sb.port());
             NativeClient receiver = NativeClient.hello(sb.port())) {
            sender.send("{\"op\":\"hello\",\"id\":1,\"version\":1}");
            JsonNode limits = sender.read().path("limits");
            assertThat(limits.path("relay_max_message_bytes").asLong()).isEqualTo(8);
            assertThat(limits.path("relay_max_messages_per_second").asLong()).isEqualTo(50);
            assertThat(limits.path("relay_max_bytes_per_second").asLong()).as("0 = no bound").isZero();
            assertThat(limits.path("relay_max_unacknowledged").asLong()).isEqualTo(3);

            String to = receiver.request("{\"op\":\"session.info\",\"id\":2}", 2).at("/result/session").asString();
            int max = (int) limits.path("relay_max_message_bytes").asLong();
            assertThat(sender.request(send(3, to, new byte[max]), 3).has("result")).as("the advertised size goes").isTrue();
            JsonNode refused = sender.request(send(4, to, new byte[max + 1]), 4);
            assertThat(refused.at("/error/code").asString()).isEqualTo("frame_too_large");
        }
    }

    private static String send(int id, String to, byte[] payload) {
        return "{\"op\":\"relay.send\",\"id\":" + id + ",\"to\":\"" + to + "\",\"payload_b64\":\"" + Base64.getEncoder().encodeToString(payload) + "\"}";
    }
}
