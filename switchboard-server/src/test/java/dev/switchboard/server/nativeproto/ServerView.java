package dev.switchboard.server.nativeproto;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.awaitility.Awaitility;
import tools.jackson.databind.JsonNode;

/**
 * What an operator sees of a running server: the lock table of {@code GET /api/v1/stats} and the
 * sessions of the admin API (when the server has {@link #ADMIN_TOKEN}).
 */
final class ServerView {
    /** The admin token of the servers these tests start. */
    static final String ADMIN_TOKEN = "session-tests-admin-token";
    private static final HttpClient CLIENT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    private final String base;

    ServerView(int port) {
        this.base = "http://127.0.0.1:" + port + "/api/v1/";
    }

    private JsonNode get(String path, String adminToken) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(5)).GET();
        if (adminToken != null) b.header("X-Switchboard-Admin", adminToken);
        HttpResponse<String> r = CLIENT.send(b.build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as("GET " + path + " -> " + r.body()).isEqualTo(200);
        return NativeClient.JSON.readTree(r.body());
    }

    /** The value of the first series of the scrape named {@code series} (with or without labels); 0 when absent. */
    double metric(String series) throws Exception {
        HttpResponse<String> r = CLIENT.send(HttpRequest.newBuilder(URI.create(base.replace("/api/v1/", "/metrics")))
                .timeout(Duration.ofSeconds(5)).GET().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        for (String line : r.body().split("\n")) {
            if (line.startsWith(series + " ") || line.startsWith(series + "{")) {
                return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return 0;
    }

    /** The stats entry of lock {@code key}, or a missing node when nobody holds it. */
    JsonNode lock(String key) throws Exception {
        for (JsonNode l : get("stats", null).path("locks")) {
            if (l.path("key").asString().equals(key)) return l;
        }
        return NativeClient.JSON.missingNode();
    }

    int waiters(String key) throws Exception {
        return lock(key).path("waiters").asInt(0);
    }

    void awaitWaiters(String key, int n) {
        Awaitility.await(key + " has " + n + " waiter(s)").atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(10))
                .until(() -> waiters(key) == n);
    }

    /** The admin view of a session (its {@code numeric_id}, {@code connections}, ...). */
    JsonNode session(String id) throws Exception {
        return get("admin/sessions/" + id, ADMIN_TOKEN);
    }

    /** Whether the admin API still knows session {@code id} (an ended session is 404). */
    boolean hasSession(String id) throws Exception {
        HttpRequest get = HttpRequest.newBuilder(URI.create(base + "admin/sessions/" + id)).timeout(Duration.ofSeconds(5))
                .header("X-Switchboard-Admin", ADMIN_TOKEN).GET().build();
        int status = CLIENT.send(get, HttpResponse.BodyHandlers.ofString()).statusCode();
        assertThat(status).as("GET admin/sessions/" + id).isIn(200, 404);
        return status == 200;
    }

    /** The admin list of every session. */
    JsonNode sessions() throws Exception {
        return get("admin/sessions", ADMIN_TOKEN).path("sessions");
    }
}
