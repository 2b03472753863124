package dev.switchboard.server.transport;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.server.Switchboard;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Pipelined HTTP requests are answered in the order they were sent, even when the first waits
 * (a lock acquire) and the second could answer at once; and a client cannot pile up requests
 * behind a waiting one without bound.
 */
class HttpPipeliningOrderTest {
    private static Switchboard sb;

    @BeforeAll
    static void start() {
        sb = Switchboard.builder().port(0).shutdownTimeout(Duration.ofSeconds(1)).start();
    }

    @AfterAll
    static void stop() {
        sb.close();
    }

    @Test
    void aWaitingRequestIsAnsweredBeforeThePipelinedOnesBehindIt() throws Exception {
        try (Socket holder = new Socket("127.0.0.1", sb.port()); Socket s = new Socket("127.0.0.1", sb.port())) {
            holder.getOutputStream().write("l\npipelined\n5\n".getBytes(StandardCharsets.US_ASCII));
            assertThat(readLine(holder.getInputStream())).startsWith("ok ");
            String session = session(s);
            String requests = post("/v1/locks/pipelined", session, "{\"acquire_timeout_s\":1}") + get("/health");
            s.getOutputStream().write(requests.getBytes(StandardCharsets.US_ASCII));
            s.setSoTimeout(10_000);
            String first = response(s.getInputStream());
            String second = response(s.getInputStream());
            assertThat(first).as("the acquire, answered after its 1 s wait").contains("\"status\":\"timeout\"");
            assertThat(second).as("then /health").startsWith("HTTP/1.1 200").doesNotContain("timeout");
        }
    }

    @Test
    void tooManyRequestsPiledBehindAWaitingOneCloseTheConnection() throws Exception {
        try (Socket holder = new Socket("127.0.0.1", sb.port()); Socket s = new Socket("127.0.0.1", sb.port())) {
            holder.getOutputStream().write("l\npiled\n5\n".getBytes(StandardCharsets.US_ASCII));
            assertThat(readLine(holder.getInputStream())).startsWith("ok ");
            String session = session(s);
            StringBuilder requests = new StringBuilder(post("/v1/locks/piled", session, "{\"acquire_timeout_s\":30}"));
            for (int i = 0; i < 40; i++) requests.append(get("/health"));
            OutputStream out = s.getOutputStream();
            out.write(requests.toString().getBytes(StandardCharsets.US_ASCII));
            out.flush();
            s.setSoTimeout(10_000);
            // Closed without an answer to the waiting request: read until the end.
            InputStream in = s.getInputStream();
            ByteArrayOutputStream rest = new ByteArrayOutputStream();
            byte[] buf = new byte[4096];
            for (int n; (n = in.read(buf)) >= 0; ) rest.write(buf, 0, n);
            assertThat(rest.toString(StandardCharsets.US_ASCII)).doesNotContain("\"status\":\"ok\"");
        }
        // The server is fine, and the abandoned wait left the queue.
        try (Socket probe = new Socket("127.0.0.1", sb.port())) {
            probe.getOutputStream().write(get("/health").getBytes(StandardCharsets.US_ASCII));
            probe.setSoTimeout(5_000);
            assertThat(response(probe.getInputStream())).startsWith("HTTP/1.1 200");
        }
    }

    private static String session(Socket s) throws Exception {
        s.getOutputStream().write(post("/v1/sessions", null, "").getBytes(StandardCharsets.US_ASCII));
        s.setSoTimeout(5_000);
        String r = response(s.getInputStream());
        int i = r.indexOf("\"session_id\":\"") + 14;
        return r.substring(i, i + 32);
    }

    private static String get(String path) {
        return "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
    }

    private static String post(String path, String session, String body) {
        return "POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                + (session == null ? "" : "X-Dflockd-Session: " + session + "\r\n")
                + "Content-Length: " + body.length() + "\r\n\r\n" + body;
    }

    /** One response with a Content-Length body, read byte by byte so that the next one stays unread. */
    private static String response(InputStream in) throws Exception {
        List<String> head = new ArrayList<>();
        String line;
        while (!(line = readLine(in)).isEmpty()) head.add(line);
        int length = 0;
        for (String h : head) {
            if (h.regionMatches(true, 0, "Content-Length:", 0, 15)) length = Integer.parseInt(h.substring(15).trim());
        }
        byte[] body = in.readNBytes(length);
        return String.join("\n", head) + "\n\n" + new String(body, StandardCharsets.UTF_8);
    }

    private static String readLine(InputStream in) throws Exception {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (int c; (c = in.read()) >= 0 && c != '\n'; ) {
            if (c != '\r') b.write(c);
        }
        return b.toString(StandardCharsets.UTF_8);
    }
}
