package dev.switchboard.server.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.switchboard.server.Switchboard;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** Garbage and abandoned connections neither take the server down nor leave state behind. */
class RobustnessTest {
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private Switchboard sb;

    @BeforeEach
    void start() {
        // Native sessions outlive their connections for the grace period; a short one lets the test
        // see that abandoned sessions end and leave nothing behind.
        sb = Switchboard.builder().port(0).detectTimeout(Duration.ofMillis(500)).shutdownTimeout(Duration.ofSeconds(1))
                .sessionGrace(Duration.ofMillis(500)).maxFrameBytes(4096).start();
    }

    @AfterEach
    void stop() {
        sb.close();
    }

    @Test
    void randomBytesOnManyConnectionsLeaveTheServerServing() throws Exception {
        SplittableRandom random = new SplittableRandom(20261123L);
        byte[][] prefixes = {{}, {'{'}, {0}, {0x16}, "GET ".getBytes(StandardCharsets.US_ASCII), {'l', '\n'},
                "{\"op\":\"hello\",\"version\":1}\n".getBytes(StandardCharsets.US_ASCII)};
        for (int i = 0; i < 150; i++) {
            try (Socket s = new Socket("127.0.0.1", sb.port())) {
                s.setSoLinger(true, 0); // abrupt resets, too
                byte[] noise = new byte[random.nextInt(1, 3000)];
                random.nextBytes(noise);
                s.getOutputStream().write(prefixes[i % prefixes.length]);
                s.getOutputStream().write(noise);
                s.getOutputStream().flush();
            } catch (IOException e) {
                // the server may close first; that is an acceptable answer to garbage
            }
        }
        assertServesAndHoldsNothing(0);
    }

    @Test
    void abandonedHoldersWaitersAndListenersAreCleanedUp() throws Exception {
        List<Socket> sockets = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            Socket d = new Socket("127.0.0.1", sb.port());
            sockets.add(d);
            String key = "k" + (i % 4);
            String cmds = "l\n" + key + "\n0\n" // holds one in four, the rest time out at once
                    + "e\n" + key + "\n\n"       // two-phase state
                    + "listen\nevents.>\ng" + (i % 2) + "\n"
                    + "sl\nsem\n30 2\n";          // two hold the semaphore, the rest block
            d.getOutputStream().write(cmds.getBytes(StandardCharsets.US_ASCII));
            d.getOutputStream().flush();
            Socket j = new Socket("127.0.0.1", sb.port());
            sockets.add(j);
            j.getOutputStream().write(("{\"op\":\"hello\",\"version\":1}\n"
                    + "{\"op\":\"lock.acquire\",\"id\":1,\"key\":\"" + key + "\",\"timeout_ms\":30000}\n"
                    + "{\"op\":\"sem.enqueue\",\"id\":2,\"key\":\"sem\",\"limit\":2}\n").getBytes(StandardCharsets.US_ASCII));
            j.getOutputStream().flush();
        }
        try (Socket probe = new Socket("127.0.0.1", sb.port())) {
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                JsonNode stats = stats(probe);
                assertThat(stats.path("connections").asInt()).isEqualTo(41);
                assertThat(stats.path("semaphores").get(0).path("waiters").asInt()).isEqualTo(38);
            });
        }
        for (Socket s : sockets) s.close();
        assertServesAndHoldsNothing(0);
    }

    private void assertServesAndHoldsNothing(int otherConnections) throws Exception {
        try (Socket probe = new Socket("127.0.0.1", sb.port())) {
            probe.setSoTimeout(5000);
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                JsonNode stats = stats(probe);
                assertThat(stats.path("connections").asInt()).isEqualTo(otherConnections + 1);
                assertThat(stats.path("locks")).isEmpty();
                assertThat(stats.path("semaphores")).isEmpty();
                assertThat(stats.has("signal_channels")).isFalse();
            });
            probe.getOutputStream().write("l\nafter\n0\n".getBytes(StandardCharsets.US_ASCII));
            BufferedReader in = new BufferedReader(new InputStreamReader(probe.getInputStream(), StandardCharsets.US_ASCII));
            assertThat(in.readLine()).matches("ok [0-9a-f]{32} 33");
        }
    }

    private static JsonNode stats(Socket s) throws IOException {
        s.setSoTimeout(5000);
        s.getOutputStream().write("stats\n_\n_\n".getBytes(StandardCharsets.US_ASCII));
        s.getOutputStream().flush();
        StringBuilder line = new StringBuilder();
        int c;
        while ((c = s.getInputStream().read()) >= 0 && c != '\n') line.append((char) c);
        assertThat(line.toString()).startsWith("ok {");
        return JSON.readTree(line.substring(3));
    }
}
