package dev.switchboard.server.admin;

import static dev.switchboard.server.admin.AdminApiTest.JSON;
import static dev.switchboard.server.admin.AdminApiTest.assertError;
import static dev.switchboard.server.admin.AdminApiTest.send;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.switchboard.server.Switchboard;
import dev.switchboard.server.admin.AdminApiTest.NativeTcp;
import dev.switchboard.server.ws.WsClient;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * {@code GET /api/v1/admin/snapshot}: what the admin dashboard reads — sessions with what they
 * hold, wait for and listen to; locks with fences and FIFO waiters; semaphores; topics; services;
 * peers; growing counters; the bound on each list; the same authorisation as the other admin routes.
 */
class AdminSnapshotTest {
    private static final String ADMIN = "snapshot-admin-1";
    private static final AtomicInteger KEYS = new AtomicInteger();
    private static Switchboard sb;

    @BeforeAll
    static void start() {
        sb = Switchboard.builder().port(0).adminToken(ADMIN).start();
    }

    @AfterAll
    static void stop() {
        if (sb != null) sb.close();
    }

    private static String key(String prefix) {
        return prefix + "-" + KEYS.incrementAndGet();
    }

    static JsonNode snapshot(Switchboard server, String token) throws Exception {
        HttpResponse<String> r = send("http://127.0.0.1:" + server.port(), "GET", "/api/v1/admin/snapshot",
                Map.of("X-Switchboard-Admin", token));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type")).hasValue("application/json");
        return JSON.readTree(r.body());
    }

    private static JsonNode find(JsonNode list, String field, String value) {
        for (JsonNode n : list) {
            if (value.equals(n.path(field).asString())) return n;
        }
        return null;
    }

    @Test
    void aLockHeldByOneSessionShowsItsFenceAndItsWaitersInQueueOrder() throws Exception {
        String key = key("snap-lock");
        try (NativeTcp holder = NativeTcp.hello(sb.port()); NativeTcp waiter = NativeTcp.hello(sb.port());
             NativeTcp enqueuer = NativeTcp.hello(sb.port())) {
            String token = holder.request("{\"op\":\"lock.acquire\",\"id\":2,\"key\":\"" + key + "\",\"timeout_ms\":0,\"lease_ms\":60000}")
                    .at("/result/token").asString();
            waiter.send("{\"op\":\"lock.acquire\",\"id\":2,\"key\":\"" + key + "\",\"timeout_ms\":30000}");
            await().atMost(Duration.ofSeconds(10)).until(() -> find(snapshot(sb, ADMIN).path("locks"), "key", key)
                    .path("waiters").size() == 1);
            assertThat(enqueuer.request("{\"op\":\"lock.enqueue\",\"id\":2,\"key\":\"" + key + "\"}").at("/result/status").asString())
                    .isEqualTo("queued");

            HttpResponse<String> raw = send("http://127.0.0.1:" + sb.port(), "GET", "/api/v1/admin/snapshot",
                    Map.of("X-Switchboard-Admin", ADMIN));
            assertThat(raw.body()).as("no secret in the snapshot").doesNotContain(token).doesNotContain(holder.resumeKey)
                    .doesNotContain(waiter.resumeKey).doesNotContain(ADMIN);
            JsonNode snap = JSON.readTree(raw.body());
            JsonNode lock = find(snap.path("locks"), "key", key);
            assertThat(lock.path("kind").asString()).isEqualTo("lock");
            assertThat(lock.path("limit").asInt()).isEqualTo(1);
            JsonNode h = lock.at("/holders/0");
            assertThat(h.path("session").asString()).isEqualTo(holder.session);
            assertThat(h.path("fence").asString()).as("the token's public half").isEqualTo(token.substring(0, 16));
            assertThat(h.path("lease_remaining_ms").asLong()).isBetween(1L, 60_000L);
            assertThat(lock.path("waiters").size()).isEqualTo(2);
            assertThat(lock.at("/waiters/0/session").asString()).isEqualTo(waiter.session);
            assertThat(lock.at("/waiters/0/position").asInt()).isEqualTo(1);
            assertThat(lock.at("/waiters/0/state").asString()).isEqualTo("waiting");
            assertThat(lock.at("/waiters/1/session").asString()).isEqualTo(enqueuer.session);
            assertThat(lock.at("/waiters/1/position").asInt()).isEqualTo(2);
            assertThat(lock.at("/waiters/1/state").asString()).isEqualTo("enqueued");

            JsonNode hs = find(snap.path("sessions"), "id", holder.session);
            assertThat(hs.at("/held/0/key").asString()).isEqualTo(key);
            assertThat(hs.at("/held/0/kind").asString()).isEqualTo("lock");
            assertThat(hs.at("/held/0/fence").asString()).isEqualTo(token.substring(0, 16));
            JsonNode ws = find(snap.path("sessions"), "id", waiter.session);
            assertThat(ws.at("/waiting/0/key").asString()).isEqualTo(key);
            assertThat(ws.at("/waiting/0/position").asInt()).isEqualTo(1);
            assertThat(ws.path("held").size()).isZero();

            // Released: the waiter holds it now, the enqueued one moves up.
            holder.request("{\"op\":\"lock.release\",\"id\":3,\"key\":\"" + key + "\",\"token\":\"" + token + "\"}");
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                JsonNode now = find(snapshot(sb, ADMIN).path("locks"), "key", key);
                assertThat(now.at("/holders/0/session").asString()).isEqualTo(waiter.session);
                assertThat(now.at("/waiters/0/session").asString()).isEqualTo(enqueuer.session);
                assertThat(now.at("/waiters/0/position").asInt()).isEqualTo(1);
            });
        }
    }

    @Test
    void aSemaphoreShowsEachHolder() throws Exception {
        String key = key("snap-sem");
        try (NativeTcp a = NativeTcp.hello(sb.port()); NativeTcp b = NativeTcp.hello(sb.port())) {
            a.request("{\"op\":\"sem.acquire\",\"id\":2,\"key\":\"" + key + "\",\"limit\":3,\"timeout_ms\":0}");
            b.request("{\"op\":\"sem.acquire\",\"id\":2,\"key\":\"" + key + "\",\"limit\":3,\"timeout_ms\":0}");
            JsonNode sem = find(snapshot(sb, ADMIN).path("locks"), "key", key);
            assertThat(sem.path("kind").asString()).isEqualTo("semaphore");
            assertThat(sem.path("limit").asInt()).isEqualTo(3);
            assertThat(sem.path("holders").findValuesAsString("session")).containsExactly(a.session, b.session);
            assertThat(sem.path("waiters").size()).isZero();
        }
    }

    @Test
    void topicsServicesPeersAndCountersShowWhatSessionsDo() throws Exception {
        String topic = key("snap.topic");
        String service = key("snap.svc");
        JsonNode before = snapshot(sb, ADMIN).path("counters");
        try (NativeTcp a = NativeTcp.hello(sb.port()); NativeTcp b = NativeTcp.hello(sb.port())) {
            a.request("{\"op\":\"signal.listen\",\"id\":2,\"pattern\":\"" + topic + "\"}");
            b.request("{\"op\":\"signal.listen\",\"id\":2,\"pattern\":\"" + topic + "\",\"group\":\"workers\"}");
            b.request("{\"op\":\"rpc.serve\",\"id\":3,\"pattern\":\"" + service + "\"}");
            for (int i = 0; i < 3; i++) {
                a.request("{\"op\":\"signal.publish\",\"id\":" + (10 + i) + ",\"channel\":\"" + topic + "\",\"payload\":\"x\"}");
            }
            JsonNode snap = snapshot(sb, ADMIN);
            JsonNode t = find(snap.path("topics"), "topic", topic);
            assertThat(t.path("subscribers").asInt()).isEqualTo(2);
            assertThat(t.path("groups").asInt()).isEqualTo(1);
            assertThat(t.path("published_total").asLong()).isEqualTo(3);
            assertThat(find(snap.path("presence"), "topic", topic).path("members").asInt()).isEqualTo(2);
            assertThat(find(snap.path("sessions"), "id", a.session).path("listening").get(0).asString()).isEqualTo(topic);

            JsonNode svc = find(snap.path("services"), "name", service);
            assertThat(svc.at("/members/0/kind").asString()).isEqualTo("session");
            assertThat(svc.at("/members/0/session").asString()).isEqualTo(b.session);

            JsonNode peer = find(snap.path("peers"), "session", a.session);
            assertThat(peer.path("peer").asString()).isEqualTo(a.session);
            assertThat(peer.path("transport").asString()).isEqualTo("json");

            JsonNode after = snap.path("counters");
            assertThat(after.path("operations_total").asLong()).isGreaterThanOrEqualTo(before.path("operations_total").asLong() + 6);
            assertThat(after.at("/operations_by_transport/json").asLong())
                    .isGreaterThanOrEqualTo(before.at("/operations_by_transport/json").asLong() + 6);
            assertThat(after.path("messages_in_total").asLong()).isGreaterThanOrEqualTo(before.path("messages_in_total").asLong() + 3);
            assertThat(after.path("messages_out_total").asLong()).isGreaterThanOrEqualTo(before.path("messages_out_total").asLong() + 6);
            assertThat(after.at("/bytes_in_total/json").asLong()).isGreaterThan(before.at("/bytes_in_total/json").asLong());
            assertThat(after.at("/bytes_out_total/json").asLong()).isGreaterThan(before.at("/bytes_out_total/json").asLong());
            assertThat(after.at("/bytes_in_total/http").asLong()).as("the snapshot requests themselves").isPositive();
            assertThat(snap.path("limit_hits").has("max_locks")).isTrue();
            assertThat(snap.at("/node/server").asString()).startsWith("switchboard/");
            assertThat(snap.path("at_ms").asLong()).isPositive();
            assertThat(snap.path("truncated").asBoolean()).isFalse();
        }
    }

    @Test
    void aWebSocketsMessagesCountUnderWs() throws Exception {
        try (WsClient c = WsClient.hello(sb.port())) {
            JsonNode before = snapshot(sb, ADMIN).path("counters");
            c.send("{\"op\":\"ping\",\"id\":1}");
            assertThat(c.read().path("op").asString()).isEqualTo("pong");
            JsonNode after = snapshot(sb, ADMIN).path("counters");
            assertThat(after.at("/bytes_in_total/ws").asLong()).isGreaterThan(before.at("/bytes_in_total/ws").asLong());
            assertThat(after.at("/bytes_out_total/ws").asLong()).isGreaterThan(before.at("/bytes_out_total/ws").asLong());
        }
    }

    @Test
    void servicesListHandlersThenBackendsThenWebhooksInLookupOrder() throws Exception {
        try (Switchboard node = Switchboard.builder().port(0).adminToken(ADMIN)
                .onRequest("billing.quote", ctx -> java.util.concurrent.CompletableFuture.completedFuture(
                        dev.switchboard.core.rpc.RpcResult.ok(ctx.payload())))
                .onSignal("audit.*", ctx -> { })
                .rpcWebhook("mail.>", "http://127.0.0.1:9/hooks/T0/B1/s3cret?key=s3")
                .start();
             NativeTcp backend = NativeTcp.hello(node.port())) {
            backend.request("{\"op\":\"rpc.serve\",\"id\":2,\"pattern\":\"orders.*\",\"group\":\"workers\"}");

            JsonNode services = snapshot(node, ADMIN).path("services");

            assertThat(services).hasSize(4);
            assertThat(services.get(0).path("name").asString()).isEqualTo("billing.quote");
            assertThat(services.get(0).at("/members/0/kind").asString()).isEqualTo("handler");
            assertThat(services.get(1).path("name").asString()).isEqualTo("audit.*");
            assertThat(services.get(1).at("/members/0/kind").asString()).isEqualTo("notify_handler");
            assertThat(services.get(2).path("name").asString()).isEqualTo("orders.*");
            assertThat(services.get(2).path("group").asString()).isEqualTo("workers");
            assertThat(services.get(2).at("/members/0/session").asString()).isEqualTo(backend.session);
            assertThat(services.get(3).path("name").asString()).isEqualTo("mail.>");
            assertThat(services.get(3).at("/members/0/kind").asString()).isEqualTo("webhook");
            assertThat(services.get(3).at("/members/0/url").asString()).as("the origin only: a path or query may hold a secret")
                    .isEqualTo("http://127.0.0.1:9");
        }
    }

    @Test
    void eachListStopsAtTheBoundAndSaysSo() throws Exception {
        try (Switchboard small = Switchboard.builder().port(0).adminToken(ADMIN).adminSnapshotMaxItems(1).start();
             NativeTcp a = NativeTcp.hello(small.port()); NativeTcp b = NativeTcp.hello(small.port())) {
            a.request("{\"op\":\"lock.acquire\",\"id\":2,\"key\":\"cut-1\",\"timeout_ms\":0}");
            a.request("{\"op\":\"lock.acquire\",\"id\":3,\"key\":\"cut-2\",\"timeout_ms\":0}");
            JsonNode snap = snapshot(small, ADMIN);
            assertThat(snap.path("truncated").asBoolean()).isTrue();
            assertThat(snap.path("sessions").size()).isEqualTo(1);
            assertThat(snap.path("locks").size()).isEqualTo(1);
            assertThat(snap.path("truncated_lists").toString()).contains("sessions").contains("locks");
            assertThat(snapshot(small, ADMIN).at("/limit_hits/admin_snapshot_max_items").asLong()).isGreaterThanOrEqualTo(1);
        }
    }

    @Test
    void theSnapshotIsGuardedLikeTheOtherAdminRoutes() throws Exception {
        assertError(send("http://127.0.0.1:" + sb.port(), "GET", "/api/v1/admin/snapshot", Map.of()), 401, "unauthorized");
        assertError(send("http://127.0.0.1:" + sb.port(), "GET", "/api/v1/admin/snapshot", Map.of("X-Switchboard-Admin", "wrong")),
                401, "unauthorized");
        try (Switchboard off = Switchboard.builder().port(0).start()) {
            assertError(send("http://127.0.0.1:" + off.port(), "GET", "/api/v1/admin/snapshot", Map.of("X-Switchboard-Admin", ADMIN)),
                    404, "admin_disabled");
        }
    }
}
