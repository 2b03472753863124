package dev.switchboard.server.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * SIGTERM drains: the listener closes, the next request on an open connection gets
 * {@code error_draining}, a request already waiting still gets its answer, and the process exits 0.
 *
 * <p>The steps wait for each other instead of for time: the drain stops the node as soon as no
 * answer is owed, so a check of "the next request while draining" made after the last owed
 * answer races with the stop (the connection may already be closed). Here the waiting request
 * stays owed until the test has made that check, and then is granted by closing the holder.
 */
class GracefulShutdownTest {
    private static final Pattern LISTENING = Pattern.compile("listening on /127\\.0\\.0\\.1:(\\d+)");

    @Test
    void sigtermDrainsAndStops() throws Exception {
        Process server = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), "-Dlogback.configurationFile=logback.xml",
                Main.class.getName(), "--port", "0", "--shutdown-timeout", "60")
                .redirectErrorStream(true).start();
        List<String> log = new CopyOnWriteArrayList<>();
        try {
            int port = portFromLog(server, log);
            try (Socket holder = socket(port); Socket waiter = socket(port); Socket idle = socket(port)) {
                send(holder, "l\nk\n60\n");
                assertThat(readLine(holder)).matches("ok [0-9a-f]{32} 33");
                send(waiter, "l\nk\n60\n"); // owed an answer until the holder lets go
                await().atMost(Duration.ofSeconds(30)).until(() -> { // the waiter is queued before the stop
                    send(idle, "stats\n_\n_\n");
                    String stats = readLine(idle);
                    return stats.contains("{\"key\":\"k\",") && stats.contains(",\"waiters\":1}");
                });

                server.toHandle().destroy(); // SIGTERM, without closing our end of its output
                await().atMost(Duration.ofSeconds(30)).until(() -> String.join("\n", log).contains("draining:"));

                // An open connection's next request is refused, and the connection ends.
                send(idle, "ping\n_\n\n");
                assertThat(readLine(idle)).isEqualTo("error_draining");
                assertThat(idle.getInputStream().read()).isEqualTo(-1);
                // No new connections.
                assertThatThrownBy(() -> socket(port).close()).isInstanceOf(java.io.IOException.class);
                // The waiting request is still answered: its lock is handed over when the holder goes away.
                holder.close();
                assertThat(readLine(waiter)).matches("ok [0-9a-f]{32} 33");
            }
            assertThat(server.waitFor(30, TimeUnit.SECONDS)).as("server exits, log: %s", log).isTrue();
            assertThat(server.exitValue()).as("a clean drain exits 0, log: %s", log).isZero();
            await().atMost(Duration.ofSeconds(10)).until(() -> String.join("\n", log).contains("stopped"));
        } finally {
            server.destroyForcibly();
        }
    }

    /** Reads the output until the listening line; a daemon thread keeps collecting the rest. */
    private static int portFromLog(Process server, List<String> log) throws Exception {
        BufferedReader out = new BufferedReader(new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8));
        while (true) {
            String line = out.readLine();
            assertThat(line).as("server output ended early: %s", log).isNotNull();
            log.add(line);
            Matcher m = LISTENING.matcher(line);
            if (m.find()) {
                Thread pump = new Thread(() -> out.lines().forEach(log::add), "server-output");
                pump.setDaemon(true);
                pump.start();
                return Integer.parseInt(m.group(1));
            }
        }
    }

    private static Socket socket(int port) throws Exception {
        Socket s = new Socket("127.0.0.1", port);
        s.setSoTimeout(10_000);
        return s;
    }

    private static void send(Socket s, String text) throws Exception {
        s.getOutputStream().write(text.getBytes(StandardCharsets.US_ASCII));
        s.getOutputStream().flush();
    }

    private static String readLine(Socket s) throws Exception {
        StringBuilder sb = new StringBuilder();
        int c;
        while ((c = s.getInputStream().read()) >= 0 && c != '\n') sb.append((char) c);
        return c < 0 && sb.length() == 0 ? null : sb.toString();
    }
}
