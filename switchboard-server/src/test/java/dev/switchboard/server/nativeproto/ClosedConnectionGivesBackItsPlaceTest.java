package dev.switchboard.server.nativeproto;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.server.http.nativeapi.PendingHttpRequest;
import java.io.Closeable;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.JsonNode;

/**
 * A client whose connection closes while its acquire waits in a queue gives its place back at
 * once, on every transport: holder H holds a key, waiter B (the client under test) queues with a
 * 60 s lease, C queues behind B; B's connection closes and H releases — C gets the lock at once,
 * not when a lease B could never have used runs out.
 */
class ClosedConnectionGivesBackItsPlaceTest {
    private static final String LEASE_60S = "\"lease_ms\":60000";
    @RegisterExtension
    static final TestServer SERVER = TestServer.perClass();

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"tcp", "tcp-frames", "unix", "websocket", "dflockd-lines", "native-http", "dflockd-http"})
    void aQueuedAcquireWhoseConnectionClosesGivesItsPlaceBack(String transport) throws Exception {
        String k = "gone-" + transport;
        try (NativeConn h = SERVER.open("tcp"); NativeConn c = SERVER.open("tcp")) {
            h.hello(null);
            JsonNode cWelcome = c.hello(null);
            String hToken = acquired(h.request(acquire(2, k, 0), 2));

            Closeable b = queueAcquire(transport, k);
            SERVER.view().awaitWaiters(k, 1);
            c.send(acquire(7, k, 10_000));
            SERVER.view().awaitWaiters(k, 2);

            b.close();
            SERVER.view().awaitWaiters(k, 1); // B's place is given up as soon as its connection is gone

            long releasedAt = System.nanoTime();
            assertThat(h.request("{\"op\":\"lock.release\",\"id\":3,\"key\":\"" + k + "\",\"token\":\"" + hToken + "\"}", 3)
                    .path("op").asString()).isEqualTo("reply");
            String cToken = acquired(c.reply(7));
            assertThat(Duration.ofNanos(System.nanoTime() - releasedAt)).as("C's wait after H released").isLessThan(Duration.ofSeconds(3));
            assertThat(cToken).isGreaterThan(hToken);
            assertHolder(k, cWelcome.path("session").asString());
        }
    }

    /** The two-phase form: B's place was taken by {@code lock.enqueue}; its {@code lock.wait} is pending when its connection closes. */
    @Test
    void aPendingTwoPhaseWaitWhoseConnectionClosesGivesItsPlaceBack() throws Exception {
        String k = "gone-two-phase";
        try (NativeConn h = SERVER.open("tcp"); NativeConn c = SERVER.open("tcp")) {
            h.hello(null);
            JsonNode cWelcome = c.hello(null);
            String hToken = acquired(h.request(acquire(2, k, 0), 2));

            NativeConn b = SERVER.open("tcp");
            String bSession = b.hello(null).path("session").asString();
            JsonNode enqueued = b.request("{\"op\":\"lock.enqueue\",\"id\":2,\"key\":\"" + k + "\"," + LEASE_60S + "}", 2);
            assertThat(enqueued.at("/result/status").asString()).as(enqueued.toString()).isEqualTo("queued");
            c.send(acquire(7, k, 10_000));
            SERVER.view().awaitWaiters(k, 2);
            b.send("{\"op\":\"lock.wait\",\"id\":3,\"key\":\"" + k + "\",\"timeout_ms\":30000}");
            awaitInFlight(bSession, 1);

            b.close();
            SERVER.view().awaitWaiters(k, 1);

            long releasedAt = System.nanoTime();
            h.request("{\"op\":\"lock.release\",\"id\":3,\"key\":\"" + k + "\",\"token\":\"" + hToken + "\"}", 3);
            acquired(c.reply(7));
            assertThat(Duration.ofNanos(System.nanoTime() - releasedAt)).as("C's wait after H released").isLessThan(Duration.ofSeconds(3));
            assertHolder(k, cWelcome.path("session").asString());
            // B's session lives on (detached, waiting for a resume) without a place on the key.
            assertThat(SERVER.view().session(bSession).path("locks").asInt()).isZero();
        }
    }

    private static String acquire(int id, String key, long timeoutMs) {
        return "{\"op\":\"lock.acquire\",\"id\":" + id + ",\"key\":\"" + key + "\",\"timeout_ms\":" + timeoutMs + "," + LEASE_60S + "}";
    }

    private static String acquired(JsonNode reply) {
        assertThat(reply.at("/result/status").asString()).as(reply.toString()).isEqualTo("acquired");
        return reply.at("/result/token").asString();
    }

    /** Stats and the admin API both name C's session as the holder, and nobody waits any more. */
    private static void assertHolder(String key, String session) throws Exception {
        JsonNode lock = SERVER.view().lock(key);
        assertThat(lock.path("owner_conn_id").asLong()).as(lock.toString()).isEqualTo(SERVER.view().session(session).path("numeric_id").asLong());
        assertThat(lock.path("waiters").asInt()).isZero();
        assertThat(SERVER.view().session(session).path("locks").asInt()).isEqualTo(1);
    }

    private static void awaitInFlight(String session, int n) {
        org.awaitility.Awaitility.await("requests in flight of " + session).atMost(Duration.ofSeconds(5))
                .pollInterval(Duration.ofMillis(10)).until(() -> SERVER.view().session(session).path("requests_in_flight").asInt() == n);
    }

    /** Sends B's acquire (timeout 30 s, lease 60 s) over {@code transport}; closing the result closes B's connection. */
    private static Closeable queueAcquire(String transport, String k) throws Exception {
        switch (transport) {
            case "dflockd-lines" -> {
                DflockdLines b = new DflockdLines(SERVER.port());
                b.send("l\n" + k + "\n30 60\n");
                return b;
            }
            case "native-http" -> {
                HttpSessionClient s = HttpSessionClient.create(SERVER.port());
                return PendingHttpRequest.post(SERVER.port(), "/api/v1/sessions/" + s.session + "/ops/lock.acquire",
                        "{\"key\":\"" + k + "\",\"timeout_ms\":30000," + LEASE_60S + "}", "X-Switchboard-Key", s.key);
            }
            case "dflockd-http" -> {
                HttpResponse<String> created = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + SERVER.port() + "/v1/sessions")).timeout(Duration.ofSeconds(5))
                        .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
                assertThat(created.statusCode()).as(created.body()).isEqualTo(200);
                String session = NativeClient.JSON.readTree(created.body()).path("session_id").asString();
                return PendingHttpRequest.post(SERVER.port(), "/v1/locks/" + k, "{\"acquire_timeout_s\":30,\"lease_ttl_s\":60}",
                        "X-Dflockd-Session", session);
            }
            default -> {
                NativeConn b = SERVER.open(transport);
                b.hello(null);
                b.send(acquire(5, k, 30_000));
                return b;
            }
        }
    }
}
