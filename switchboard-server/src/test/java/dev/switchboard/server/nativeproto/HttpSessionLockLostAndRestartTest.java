package dev.switchboard.server.nativeproto;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.JsonNode;

/**
 * A session created with {@code POST /api/v1/sessions} is a native session like the others: it
 * hears {@code lock.lost} when a lease it holds runs out (on its SSE stream, or by a poll), and,
 * with {@code --data-dir}, it survives a graceful restart — same id and key, resumed over TCP or
 * HTTP, its subscriptions listening, its held lock reported lost with {@code server_restart}.
 */
class HttpSessionLockLostAndRestartTest {
    /** The lease sweep runs often, so that a 200 ms lease is reported lost quickly. */
    @RegisterExtension
    static final TestServer SERVER = TestServer.perClass(b -> b.leaseSweepInterval(Duration.ofMillis(50)));

    @TempDir
    Path dataDir;

    @Test
    void anExpiredLeaseIsReportedOnTheSseStream() throws Exception {
        HttpSessionClient s = HttpSessionClient.create(SERVER.port());
        try (HttpSessionClient.EventStream stream = s.events(null)) {
            String token = acquire(s, "lost-sse", 200);
            HttpSessionClient.SseEvent e = stream.next();
            assertThat(e.event()).as(e.toString()).isEqualTo("lock.lost");
            assertThat(e.id()).as(e.toString()).isEqualTo("1");
            assertLost(e.data(), "lost-sse", token, "lease_expired", 1);
        } finally {
            s.delete();
        }
    }

    @Test
    void anExpiredLeaseIsReportedToAPoll() throws Exception {
        HttpSessionClient s = HttpSessionClient.create(SERVER.port());
        try {
            String token = acquire(s, "lost-poll", 200);
            HttpSessionClient.Resp r = s.poll(0, 5000);
            assertThat(r.status()).as(r.toString()).isEqualTo(200);
            assertThat(r.json().path("events").size()).as(r.toString()).isEqualTo(1);
            assertLost(r.json().path("events").get(0), "lost-poll", token, "lease_expired", 1);
            assertThat(r.json().path("last_seq").asLong()).isEqualTo(1);
        } finally {
            s.delete();
        }
    }

    @ParameterizedTest(name = "resumed over {0}")
    @ValueSource(strings = {"tcp", "http-sse"})
    void anHttpSessionSurvivesAGracefulRestart(String resumer) throws Exception {
        String lock = "release-train-" + resumer;
        HttpSessionClient before;
        try (TestServer first = startWithDataDir()) {
            before = HttpSessionClient.create(first.port());
            assertThat(before.ok("signal.listen", "{\"pattern\":\"deploy.*\"}").isEmpty()).isTrue();
            acquire(before, lock, 60_000);
            assertThat(DflockdLines.signal(first.port(), "deploy.eu", "before")).isEqualTo("ok 1");
            HttpSessionClient.Resp seen = before.poll(0, 5000);
            assertThat(seen.json().path("last_seq").asLong()).as(seen.toString()).isEqualTo(1);
        }
        try (TestServer second = startWithDataDir()) {
            JsonNode admin = second.view().session(before.session);
            assertThat(admin.path("kind").asString()).as(admin.toString()).isEqualTo("http");
            assertThat(admin.path("resumable").asBoolean()).as(admin.toString()).isTrue();
            // Nobody has resumed yet: the restored session listens already.
            assertThat(DflockdLines.signal(second.port(), "deploy.us", "while-away")).isEqualTo("ok 1");

            List<JsonNode> events = new ArrayList<>();
            if (resumer.equals("tcp")) {
                try (NativeConn c = second.open("tcp")) {
                    JsonNode welcome = c.hello(NativeConn.resume(before.session, before.key, 1));
                    assertThat(welcome.path("session").asString()).as(welcome.toString()).isEqualTo(before.session);
                    assertThat(welcome.path("resumed").asBoolean()).as(welcome.toString()).isTrue();
                    assertThat(welcome.path("recovered").asBoolean()).as(welcome.toString()).isTrue();
                    events.add(c.nextEvent());
                    events.add(c.nextEvent());
                    assertReplayedAfterRestart(events, lock);
                    assertThat(DflockdLines.signal(second.port(), "deploy.asia", "live")).isEqualTo("ok 1");
                    assertThat(c.nextEvent().path("payload").asString()).isEqualTo("live");
                    JsonNode grant = c.request("{\"op\":\"lock.acquire\",\"id\":2,\"key\":\"" + lock + "\",\"timeout_ms\":0}", 2);
                    assertThat(grant.at("/result/status").asString()).as(grant.toString()).isEqualTo("acquired");
                }
            } else {
                HttpSessionClient after = HttpSessionClient.of(second.port(), before.session, before.key);
                try (HttpSessionClient.EventStream stream = after.events("1")) {
                    HttpSessionClient.SseEvent lost = stream.next();
                    assertThat(lost.event()).isEqualTo("lock.lost");
                    events.add(lost.data());
                    events.add(stream.next().data());
                    assertReplayedAfterRestart(events, lock);
                    assertThat(DflockdLines.signal(second.port(), "deploy.asia", "live")).isEqualTo("ok 1");
                    assertThat(stream.next().data().path("payload").asString()).isEqualTo("live");
                    JsonNode info = after.ok("session.info", "{}");
                    assertThat(info.path("session").asString()).as(info.toString()).isEqualTo(before.session);
                    JsonNode grant = after.ok("lock.acquire", "{\"key\":\"" + lock + "\",\"timeout_ms\":0}");
                    assertThat(grant.path("status").asString()).as(grant.toString()).isEqualTo("acquired");
                }
            }
            assertThat(HttpSessionClient.of(second.port(), before.session, before.key).delete().status()).isEqualTo(204);
        }
    }

    private TestServer startWithDataDir() throws Exception {
        return TestServer.start(b -> b.dataDir(dataDir));
    }

    /** After the restart: the held lock lost with {@code server_restart} (seq 2), then the signal sent while away (seq 3). */
    private static void assertReplayedAfterRestart(List<JsonNode> events, String lock) {
        // The store keeps the keys of the locks a session held, not their tokens: no token to compare.
        assertLost(events.get(0), lock, null, "server_restart", 2);
        assertThat(events.get(1).path("op").asString()).as(events.get(1).toString()).isEqualTo("signal");
        assertThat(events.get(1).path("channel").asString()).isEqualTo("deploy.us");
        assertThat(events.get(1).path("payload").asString()).isEqualTo("while-away");
        assertThat(events.get(1).path("seq").asLong()).isEqualTo(3);
    }

    private static String acquire(HttpSessionClient s, String key, long leaseMs) throws Exception {
        JsonNode grant = s.ok("lock.acquire", "{\"key\":\"" + key + "\",\"timeout_ms\":0,\"lease_ms\":" + leaseMs + "}");
        assertThat(grant.path("status").asString()).as(grant.toString()).isEqualTo("acquired");
        return grant.path("token").asString();
    }

    private static void assertLost(JsonNode event, String key, String token, String reason, long seq) {
        assertThat(event.path("op").asString()).as(event.toString()).isEqualTo("lock.lost");
        assertThat(event.path("kind").asString()).as(event.toString()).isEqualTo("lock");
        assertThat(event.path("key").asString()).as(event.toString()).isEqualTo(key);
        if (token != null) assertThat(event.path("token").asString()).as(event.toString()).isEqualTo(token);
        assertThat(event.path("reason").asString()).as(event.toString()).isEqualTo(reason);
        assertThat(event.path("seq").asLong()).as(event.toString()).isEqualTo(seq);
    }
}
