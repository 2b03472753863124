package dev.switchboard.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * SIGTERM drains: the listener closes, a request already waiting gets its answer, the next
 * request on an open connection gets {@code error_draining}, and the process exits.
 */
class GracefulShutdownTest {
    private static final Pattern LISTENING = Pattern.compile("listening on /127\\.0\\.0\\.1:(\\d+)");

    @Test
    void sigtermDrainsAndStops() throws Exception {
        Process server = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), "-Dlogback.configurationFile=logback.xml",
                Main.class.getName(), "--port", "0", "--shutdown-timeout", "10")
                .redirectErrorStream(true).start();
        List<String> log = new CopyOnWriteArrayList<>();
        int port;
        Thread pump = null;
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8));
            port = -1;
            while (port < 0) {
                String line = out.readLine();
                assertThat(line).as("server output ended early: %s", log).isNotNull();
                log.add(line);
                Matcher m = LISTENING.matcher(line);
                if (m.find()) port = Integer.parseInt(m.group(1));
            }
            pump = new Thread(() -> out.lines().forEach(log::add));
            pump.setDaemon(true);
            pump.start();

            try (Socket holder = socket(port); Socket waiter = socket(port); Socket idle = socket(port)) {
                send(holder, "l\nk\n5\n");
                assertThat(readLine(holder)).matches("ok [0-9a-f]{32} 33");
                send(waiter, "l\nk\n2\n"); // blocks for 2 s, then times out
                send(idle, "ping\n_\n\n");
                assertThat(readLine(idle)).isEqualTo("ok");

                server.toHandle().destroy(); // SIGTERM, without closing our end of its output

                // The waiting request is answered while draining.
                assertThat(readLine(waiter)).isEqualTo("timeout");
                // An open connection's next request is refused, and the connection ends.
                send(idle, "ping\n_\n\n");
                assertThat(readLine(idle)).isEqualTo("error_draining");
                assertThat(idle.getInputStream().read()).isEqualTo(-1);
            }
            assertThat(server.waitFor(20, TimeUnit.SECONDS)).as("server exits, log: %s", log).isTrue();
            assertThat(server.exitValue()).isEqualTo(143); // 128 + SIGTERM
            pump.join(5000); // the rest of the output
            assertThat(String.join("\n", log)).contains("draining").contains("stopped");
        } finally {
            server.destroyForcibly();
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
