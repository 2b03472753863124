package dev.switchboard.server.nativeproto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.switchboard.server.Switchboard;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * {@code --max-requests-in-flight} bounds what one client can have the server hold for it: the
 * native requests one connection has unanswered, and the requests of a one-at-a-time dflockd
 * HTTP session waiting for their turn. One more gets {@code too_many_requests}, the client keeps
 * being served, and the hit is counted.
 */
class RequestLimitsTest {
    private static final String ADMIN = "limits-test-admin";
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private Switchboard sb;

    @AfterEach
    void stop() {
        if (sb != null) sb.close();
    }

    private void start(int maxInFlight) {
        sb = Switchboard.builder().port(0).maxRequestsInFlight(maxInFlight).adminToken(ADMIN)
                .shutdownTimeout(Duration.ofSeconds(1)).start();
    }

    @Test
    void aConnectionPastItsRequestsInFlightGetsTooManyRequestsAndKeepsServing() throws Exception {
        start(2);
        try (NativeClient holder = NativeClient.hello(sb.port());
             NativeClient waiter = NativeClient.hello(sb.port())) {
            String tokenA = holder.request("{\"op\":\"lock.acquire\",\"id\":1,\"key\":\"a\"}", 1).at("/result/token").asString();
            assertThat(holder.request("{\"op\":\"lock.acquire\",\"id\":2,\"key\":\"b\"}", 2).at("/result/status").asString())
                    .isEqualTo("acquired");
            // Two waits are in flight on the waiter's connection: its whole allowance.
            waiter.send("{\"op\":\"lock.acquire\",\"id\":10,\"key\":\"a\",\"timeout_ms\":30000}");
            waiter.send("{\"op\":\"lock.acquire\",\"id\":11,\"key\":\"b\",\"timeout_ms\":30000}");
            waiter.send("{\"op\":\"lock.acquire\",\"id\":12,\"key\":\"c\"}");
            JsonNode refused = waiter.readReply(12);
            assertThat(refused.at("/error/code").asString()).isEqualTo("too_many_requests");
            assertThat(refused.at("/error/message").asString()).contains("--max-requests-in-flight");

            // The refused request took nothing: both waits still stand, and a release grants the first.
            assertThat(waiters("a") + waiters("b")).isEqualTo(2);
            holder.request("{\"op\":\"lock.release\",\"id\":3,\"key\":\"a\",\"token\":\"" + tokenA + "\"}", 3);
            assertThat(waiter.readReply(10).at("/result/status").asString()).isEqualTo("acquired");
            // One answered: there is room for one more request again.
            assertThat(waiter.request("{\"op\":\"lock.acquire\",\"id\":13,\"key\":\"c\"}", 13).at("/result/status").asString())
                    .isEqualTo("acquired");
            assertThat(metric("switchboard_limit_hits_total{limit=\"max_requests_in_flight\"}")).isEqualTo(1.0);
        }
    }

    @Test
    void aDflockdHttpSessionPastItsQueueGets429AndTheQueuedOnesRunInOrder() throws Exception {
        start(2);
        String session = JSON.readTree(post("/v1/sessions", "", null).body()).path("session_id").asString();
        try (NativeClient holder = NativeClient.hello(sb.port())) {
            assertThat(holder.request("{\"op\":\"lock.acquire\",\"id\":1,\"key\":\"q\"}", 1).at("/result/status").asString())
                    .isEqualTo("acquired");
            // One request runs (it waits for the lock), two wait for their turn, the fourth is refused.
            List<CompletableFuture<HttpResponse<String>>> calls = new ArrayList<>();
            calls.add(postAsync("/v1/locks/q", "{\"acquire_timeout_s\":30}", session));
            await().atMost(Duration.ofSeconds(5)).until(() -> waiters("q") == 1);
            calls.add(postAsync("/v1/locks/r", "{\"acquire_timeout_s\":0}", session));
            calls.add(postAsync("/v1/locks/s", "{\"acquire_timeout_s\":0}", session));
            await().atMost(Duration.ofSeconds(5)).until(() -> sessionRequests(session) == 3);
            HttpResponse<String> refused = post("/v1/locks/t", "{\"acquire_timeout_s\":0}", session);
            assertThat(refused.statusCode()).isEqualTo(429);
            assertThat(refused.body()).contains("too_many_requests");
            assertThat(metric("switchboard_limit_hits_total{limit=\"max_requests_in_flight\"}")).isEqualTo(1.0);

            holder.request("{\"op\":\"session.close\",\"id\":2}", 2); // releases q: the queue runs
            for (CompletableFuture<HttpResponse<String>> c : calls) {
                HttpResponse<String> r = c.get();
                assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
                assertThat(r.body()).contains("\"status\":\"ok\"");
            }
        }
    }

    private static final tools.jackson.databind.json.JsonMapper JSON = tools.jackson.databind.json.JsonMapper.builder().build();

    private int waiters(String key) throws Exception {
        JsonNode stats = JSON.readTree(HTTP.send(HttpRequest.newBuilder(uri("/v1/stats")).build(),
                HttpResponse.BodyHandlers.ofString()).body());
        for (JsonNode l : stats.path("locks")) {
            if (l.path("key").asString().equals(key)) return l.path("waiters").asInt();
        }
        return -1;
    }

    /** Requests of a session in flight (running or waiting for their turn), as the admin API shows them. */
    private int sessionRequests(String session) throws Exception {
        HttpRequest r = HttpRequest.newBuilder(uri("/api/v1/admin/sessions/" + session)).header("X-Switchboard-Admin", ADMIN).build();
        return JSON.readTree(HTTP.send(r, HttpResponse.BodyHandlers.ofString()).body()).path("requests_in_flight").asInt();
    }

    private double metric(String series) throws Exception {
        String scrape = HTTP.send(HttpRequest.newBuilder(uri("/metrics")).build(), HttpResponse.BodyHandlers.ofString()).body();
        for (String line : scrape.split("\n")) {
            if (line.startsWith(series + " ")) return Double.parseDouble(line.substring(series.length() + 1).trim());
        }
        throw new AssertionError("no series " + series + " in the scrape");
    }

    private URI uri(String path) {
        return URI.create("http://127.0.0.1:" + sb.port() + path);
    }

    private HttpResponse<String> post(String path, String body, String session) throws Exception {
        return postAsync(path, body, session).get();
    }

    private CompletableFuture<HttpResponse<String>> postAsync(String path, String body, String session) {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(30))
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (session != null) b.header("X-Dflockd-Session", session);
        return HTTP.sendAsync(b.build(), HttpResponse.BodyHandlers.ofString());
    }
}
