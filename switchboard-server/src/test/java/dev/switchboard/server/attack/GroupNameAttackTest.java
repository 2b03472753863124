package dev.switchboard.server.attack;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Queue-group names of a megabyte each: before the fix each was kept and echoed in every
 * {@code stats} (400 of them made 100 MB answers and stalled other clients, and 100 of them alone
 * exceed this server's heap). Now each is refused and {@code stats} stays small and prompt.
 */
class GroupNameAttackTest {
    private static final int ATTEMPTS = 100;
    private static final int GROUP_BYTES = 1_000_000;
    private static final long TIME_LIMIT_NANOS = TimeUnit.SECONDS.toNanos(15);

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
                    assertThat(System.nanoTime() - started).as("attack time").isLessThan(TIME_LIMIT_NANOS);
                    String answer = listen(attacker, i, group);
                    assertThat(answer).contains("\"code\":\"invalid_argument\"").contains("at most 256 bytes");
                    if (i % 25 == 0) {
                        send(observer, "{\"op\":\"stats\",\"id\":" + i + "}");
                        String stats = readLine(observer); // within the socket timeout, PROMPTLY
                        assertThat(stats.length()).as("stats answer size").isLessThan(4096);
                        assertThat(stats).contains("\"connections\":");
                    }
                }
            }
            server.assertRecovered(before);
        }
    }

    private static String listen(Socket s, int id, String group) throws IOException {
        send(s, "{\"op\":\"signal.listen\",\"id\":" + id + ",\"pattern\":\"jobs.>\",\"group\":\"" + group + "\"}");
        return readLine(s);
    }

    private static Socket hello(int port) throws IOException {
        Socket s = new Socket("127.0.0.1", port);
        s.setSoTimeout((int) SmallHeapServer.PROMPTLY.toMillis());
        send(s, "{\"op\":\"hello\",\"id\":0,\"version\":1}");
        assertThat(readLine(s)).contains("\"op\":\"welcome\"");
        return s;
    }

    private static void send(Socket s, String line) throws IOException {
        OutputStream out = s.getOutputStream();
        out.write((line + "\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    private static String readLine(Socket s) throws IOException {
        InputStream in = s.getInputStream();
        StringBuilder sb = new StringBuilder();
        for (int c; (c = in.read()) >= 0 && c != '\n'; ) sb.append((char) c);
        return sb.toString();
    }
}
