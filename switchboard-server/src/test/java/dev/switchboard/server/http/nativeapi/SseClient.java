package dev.switchboard.server.http.nativeapi;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import tools.jackson.databind.JsonNode;

/**
 * An SSE stream of the native API read with the JDK client: a reader thread collects the text and
 * splits it into blocks (separated by a blank line); {@link #next()} returns the next event
 * block, skipping comments and the {@code retry:} block, within a bounded wait.
 */
final class SseClient implements AutoCloseable {
    private static final HttpClient CLIENT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(NativeHttp.TIMEOUT).build();

    /** One event: its {@code id:} (null when absent), {@code event:} and {@code data:}. */
    record Event(String id, String event, String data) {
        JsonNode json() {
            return NativeHttp.JSON.readTree(data);
        }
    }

    final HttpResponse<InputStream> response;
    private final StringBuffer text = new StringBuffer();
    private volatile boolean ended;
    private int cursor;

    private SseClient(HttpResponse<InputStream> response) {
        this.response = response;
        Thread reader = new Thread(this::readLoop, "native-sse-reader");
        reader.setDaemon(true);
        reader.start();
    }

    /** Opens the session's stream, with {@code Last-Event-ID} when {@code lastEventId} is not null. */
    static SseClient open(int port, String session, String lastEventId) {
        return openPath(port, NativeHttp.API + "/sessions/" + session + "/events", lastEventId);
    }

    /** Opens {@code GET path} (a query may follow), with {@code Last-Event-ID} when not null. */
    static SseClient openPath(int port, String path, String lastEventId) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .header("Accept", "text/event-stream").GET();
        if (lastEventId != null) b.header("Last-Event-ID", lastEventId);
        NativeHttp.withKey(b, path);
        try {
            return new SseClient(CLIENT.sendAsync(b.build(), HttpResponse.BodyHandlers.ofInputStream())
                    .get(NativeHttp.TIMEOUT.toMillis(), TimeUnit.MILLISECONDS));
        } catch (Exception e) {
            throw new AssertionError("GET …/events: no response head within " + NativeHttp.TIMEOUT, e);
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

    /** The next complete block, or null when none arrived (yet). */
    private String nextBlock() {
        int end = text.indexOf("\n\n", cursor);
        if (end < 0) return null;
        String block = text.substring(cursor, end);
        cursor = end + 2;
        return block;
    }

    /** The next event (comments and {@code retry:} skipped), within the bounded wait. */
    Event next() {
        long deadline = System.nanoTime() + NativeHttp.TIMEOUT.toNanos();
        while (true) {
            String block = nextBlock();
            if (block != null) {
                Event e = parse(block);
                if (e != null) return e;
                continue;
            }
            if (ended) throw new AssertionError("the stream ended; unread: " + text.substring(cursor));
            if (System.nanoTime() > deadline) throw new AssertionError("no SSE event within " + NativeHttp.TIMEOUT + "; unread: " + text.substring(cursor));
            sleep(10);
        }
    }

    /** The first block of the stream: {@code retry: 1000}. */
    void expectRetry() {
        Awaitility.await("retry block").atMost(NativeHttp.TIMEOUT).pollInterval(Duration.ofMillis(10))
                .until(() -> text.indexOf("\n\n", cursor) >= 0 || ended);
        assertThat(nextBlock()).isEqualTo("retry: 1000");
    }

    /**
     * No event block arrives within {@code quiet} (comments may): a short real wait, for the few
     * checks that nothing is sent where no later event can show it (prefer publishing one more
     * event and expecting it next).
     */
    void expectNoEventFor(Duration quiet) {
        assertThat(quiet).as("a real wait in a test stays under 200 ms").isLessThan(Duration.ofMillis(200));
        sleep(quiet.toMillis());
        List<String> events = new ArrayList<>();
        for (String b; (b = nextBlock()) != null; ) {
            if (parse(b) != null) events.add(b);
        }
        assertThat(events).as("unexpected SSE events").isEmpty();
    }

    boolean ended() {
        return ended;
    }

    void awaitEnd() {
        Awaitility.await("the SSE stream ends").atMost(NativeHttp.TIMEOUT).pollInterval(Duration.ofMillis(10)).until(() -> ended);
    }

    private static Event parse(String block) {
        String id = null;
        String event = null;
        StringBuilder data = null;
        for (String line : block.split("\n")) {
            if (line.startsWith(":") || line.startsWith("retry:")) continue;
            int colon = line.indexOf(':');
            String field = colon < 0 ? line : line.substring(0, colon);
            String value = colon < 0 ? "" : line.substring(colon + 1).replaceFirst("^ ", "");
            switch (field) {
                case "id" -> id = value;
                case "event" -> event = value;
                case "data" -> {
                    if (data == null) data = new StringBuilder(value);
                    else data.append('\n').append(value);
                }
                default -> throw new AssertionError("unknown SSE field in " + block);
            }
        }
        return event == null && data == null && id == null ? null : new Event(id, event, data == null ? null : data.toString());
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    @Override
    public void close() {
        try {
            response.body().close();
        } catch (IOException ignored) {
            // best effort
        }
    }
}
