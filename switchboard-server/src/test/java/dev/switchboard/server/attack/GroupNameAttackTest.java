package dev.switchboard.server.attack;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * Queue-group names of a megabyte each: before the fix each was kept and echoed in every
 * {@code stats} (400 of them made 100 MB answers and stalled other clients, and 100 of them alone
 * exceed this server's heap). Now each is refused and {@code stats} stays small and prompt.
 */
class GroupNameAttackTest {
    private static final int ATTEMPTS = 100;
    private static final int GROUP_BYTES = 1_000_000;

    @Test
    void megabyteGroupNamesAreRefusedAndStatsStaysSmall() throws Exception {
        try (SmallHeapServer server = SmallHeapServer.start("--session-grace", "0")) {
            String group = "g".repeat(GROUP_BYTES);
            try (Socket attacker = hello(server.port())) {
                listen(attacker, 0, group); // the same code paths once, before the baseline
            }
            long before = server.liveHeapBytes();
            long started = System.nanoTime();
            try (Socket attacker = hello(server.port()); Socket observer = hello(server.port())) {
                for (int i = 1; i <= ATTEMPTS; i++) {
                    AttackTime.assertWithinLimit(started);
                    String answer = listen(attacker, i, group);
                    assertThat(answer).contains("\"code\":\"invalid_argument\"").contains("at most 256 bytes");
                    if (i % 25 == 0) {
                        Wire.send(observer, "{\"op\":\"stats\",\"id\":" + i + "}\n");
                        String stats = Wire.readLine(observer); // within the socket timeout, PROMPTLY
                        assertThat(stats.length()).as("stats answer size").isLessThan(4096);
                        assertThat(stats).contains("\"connections\":");
                    }
                }
            }
            server.assertRecovered(before);
        }
    }

    private static String listen(Socket s, int id, String group) throws IOException {
        Wire.send(s, "{\"op\":\"signal.listen\",\"id\":" + id + ",\"pattern\":\"jobs.>\",\"group\":\"" + group + "\"}\n");
        return Wire.readLine(s);
    }

    private static Socket hello(int port) throws IOException {
        Socket s = Wire.connect(port, SmallHeapServer.PROMPTLY);
        Wire.send(s, "{\"op\":\"hello\",\"id\":0,\"version\":1}\n");
        assertThat(Wire.readLine(s)).contains("\"op\":\"welcome\"");
        return s;
    }
}
