package dev.switchboard.server.http.dflockd;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;

/**
 * An SSE stream read with the JDK client: the response head, then the body text collected by a
 * reader thread; {@link #expect} checks the next bytes exactly, within a bounded wait.
 */
final class Sse implements AutoCloseable {
    private static final HttpClient CLIENT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Http.TIMEOUT).build();

    final HttpResponse<InputStream> response;
    private final StringBuffer text = new StringBuffer();
    private final Thread reader;
    private volatile boolean ended;
    private int cursor;

    private Sse(HttpResponse<InputStream> response) {
        this.response = response;
        this.reader = new Thread(this::readLoop, "sse-reader");
        reader.setDaemon(true);
        reader.start();
    }

    /** Opens {@code GET path}; the response head must arrive within {@link Http#TIMEOUT}. */
    static Sse open(int port, String path) {
        HttpRequest req = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).GET().build();
        try {
            return new Sse(CLIENT.sendAsync(req, HttpResponse.BodyHandlers.ofInputStream())
                    .get(Http.TIMEOUT.toMillis(), TimeUnit.MILLISECONDS));
        } catch (Exception e) {
            throw new AssertionError("GET " + path + ": no response head within " + Http.TIMEOUT, e);
        }
    }

    private void readLoop() {
        byte[] buf = new byte[4096];
        try (InputStream in = response.body()) {
            int n;
            while ((n = in.read(buf)) >= 0) text.append(new String(buf, 0, n, StandardCharsets.UTF_8));
        } catch (IOException e) {
            // closed
        } finally {
            ended = true;
        }
    }

    /** The next bytes of the stream are exactly {@code expected}. */
    void expect(String expected) {
        Awaitility.await("SSE bytes " + Http.show(expected)).atMost(Http.TIMEOUT).pollInterval(Duration.ofMillis(10))
                .until(() -> text.length() >= cursor + expected.length() || ended);
        String got = text.substring(cursor, Math.min(text.length(), cursor + expected.length()));
        assertThat(Http.show(got)).as("SSE stream after " + cursor + " chars").isEqualTo(Http.show(expected));
        cursor += expected.length();
    }

    /** Nothing more arrives for {@code quiet}. */
    void expectNothingFor(Duration quiet) {
        Awaitility.await().pollDelay(quiet).atMost(quiet.plusSeconds(1)).until(() -> true);
        assertThat(Http.show(text.substring(cursor))).as("unexpected SSE bytes").isEqualTo("\"\"");
    }

    /** Everything received and not yet expected. */
    String pending() {
        return text.substring(cursor);
    }

    @Override
    public void close() {
        reader.interrupt();
        try {
            response.body().close();
        } catch (IOException ignored) {
            // best effort
        }
    }
}
