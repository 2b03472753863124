package dev.switchboard.server.ws;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.protocol.relay.RelayAuth;
import dev.switchboard.protocol.relay.RelayPeerId;
import dev.switchboard.protocol.relay.RelayTokens;
import dev.switchboard.protocol.relay.RelayTransport;
import dev.switchboard.server.Switchboard;
import dev.switchboard.server.transport.relay.RelaySettings;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** A relay peer that stops reading is cut as a slow consumer; the peer sending to it is not held up. */
class RelaySlowConsumerTest {
    private static final String SECRET = "slow-consumer-secret";
    private static final RelayTokens TOKENS = new RelayTokens(SECRET, Clock.systemUTC(), Duration.ofDays(1), false);

    private static byte[] auth(String key) {
        RelayPeerId id = RelayPeerId.hashOf(key);
        return new RelayAuth(id, TOKENS.mint(Instant.now().plusSeconds(3600), id)).toBytes();
    }

    private static double metric(int port, String series) throws Exception {
        String body = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(series) + " (\\S+)$").matcher(body);
        return m.find() ? Double.parseDouble(m.group(1)) : 0;
    }

    @Test
    void aPeerThatDoesNotReadIsCutAndItsSenderGoesOn() throws Exception {
        try (Switchboard sb = Switchboard.builder().port(0).shutdownTimeout(Duration.ofSeconds(1))
                .relay(RelaySettings.off().withSecret(SECRET)).start();
             RawWebSocket stalled = new RawWebSocket(sb.port(), "/relay", "127.0.0.1:" + sb.port(), "", new byte[0]);
             WsClient sender = new WsClient(sb.port(), null, "/relay")) {
            stalled.send(RawWebSocket.binary(auth("stalled")));
            assertThat(stalled.read().payload()[1]).as("AuthResponse").isEqualTo((byte) 7);
            sender.sendBinary(auth("sender"));
            assertThat(sender.readBinary()[1]).isEqualTo((byte) 7);
            byte[] message = new RelayTransport(RelayPeerId.hashOf("stalled"), new byte[RelayTransport.MAX_PAYLOAD_BYTES]).toBytes();
            String cut = "switchboard_limit_hits_total{limit=\"signal_buffer_size\"}";
            String gone = "switchboard_relay_dropped_messages_total{reason=\"unknown_destination\"}";
            // Bounded: 4,000 messages of 8.8 KB (35 MB) overflow any loopback socket buffer many times over.
            for (int i = 0; i < 4000; i++) {
                sender.sendBinary(message);
                if (i % 50 == 49 && metric(sb.port(), gone) > 0) break; // cut, and later messages find it offline
            }
            assertThat(metric(sb.port(), cut)).as("the stalled peer was cut as a slow consumer").isGreaterThanOrEqualTo(1.0);
            assertThat(metric(sb.port(), gone)).as("and went offline").isGreaterThanOrEqualTo(1.0);
            assertThat(sender.isClosed()).as("the sender was not held up or cut").isFalse();
        }
    }
}
