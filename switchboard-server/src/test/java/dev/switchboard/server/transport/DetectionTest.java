package dev.switchboard.server.transport;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.server.Switchboard;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** The first bytes choose the protocol; HTTP requests reach the HTTP API on the same port. */
class DetectionTest {
    private static Switchboard sb;

    @BeforeAll
    static void start() {
        sb = Switchboard.builder().port(0).shutdownTimeout(Duration.ofSeconds(1)).start();
    }

    @AfterAll
    static void stop() {
        sb.close();
    }

    @ParameterizedTest
    @ValueSource(strings = {"GET", "POST", "PUT", "DELETE", "OPTIONS", "PATCH"})
    void everyHttpMethodIsDetectedAndRouted(String method) throws Exception {
        String response = exchange(method + " /no-such-route HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
        assertThat(response).startsWith("HTTP/1.1 404 Not Found\r\n");
        String body = response.substring(response.indexOf("\r\n\r\n") + 4);
        assertThat(body).isEqualTo("{\"error\":\"not_found\"}\n");
        assertThat(response.toLowerCase()).contains("content-length: " + body.getBytes(StandardCharsets.UTF_8).length + "\r\n");
    }

    @Test
    void httpMethodSplitAcrossPacketsIsStillDetected() throws Exception {
        try (Socket s = socket()) {
            OutputStream out = s.getOutputStream();
            out.write("PO".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            Thread.sleep(100);
            out.write("ST /v1/sessions HTTP/1.1\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            assertThat(readAll(s.getInputStream())).startsWith("HTTP/1.1 200").contains("\"session_id\"");
        }
    }

    @Test
    void upperCaseTextThatIsNotHttpIsADflockdCommand() throws Exception {
        try (Socket s = socket()) {
            s.getOutputStream().write("GETX\nk\n1\nping\n_\n\n".getBytes(StandardCharsets.US_ASCII));
            s.getOutputStream().flush();
            byte[] buf = new byte[64];
            int n = 0;
            while (n < 9) n += s.getInputStream().read(buf, n, buf.length - n);
            assertThat(new String(buf, 0, n, StandardCharsets.US_ASCII)).isEqualTo("error\nok\n");
        }
    }

    private static String exchange(String request) throws Exception {
        try (Socket s = socket()) {
            s.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
            s.getOutputStream().flush();
            return readAll(s.getInputStream());
        }
    }

    private static Socket socket() throws Exception {
        Socket s = new Socket("127.0.0.1", sb.port());
        s.setSoTimeout(5000);
        return s;
    }

    private static String readAll(InputStream in) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        in.transferTo(out);
        return out.toString(StandardCharsets.UTF_8);
    }
}
