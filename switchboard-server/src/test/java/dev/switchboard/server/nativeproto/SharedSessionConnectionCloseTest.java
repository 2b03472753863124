package dev.switchboard.server.nativeproto;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.JsonNode;

/**
 * Two connections share a session and one of them closes: only that connection's requests end.
 * Connection A (TCP lines) opens the session, connection B joins it with the resume key and asks
 * for a lock somebody holds; A closes; B's acquire stays pending and is granted when the holder
 * releases.
 */
class SharedSessionConnectionCloseTest {
    @RegisterExtension
    static final TestServer SERVER = TestServer.perClass();

    @ParameterizedTest(name = "A over tcp closes, B's acquire over {0} stays pending")
    @ValueSource(strings = {"tcp", "tcp-frames", "unix", "websocket", "http"})
    void closingOneConnectionLeavesTheOtherConnectionsAcquirePending(String other) throws Exception {
        String k = "shared-" + other;
        try (DflockdLines holder = new DflockdLines(SERVER.port())) {
            String holderToken = holder.call("l\n" + k + "\n0 60\n").split(" ")[1];
            NativeConn a = SERVER.open("tcp");
            JsonNode welcome = a.hello(null);
            String session = welcome.path("session").asString();
            String resumeKey = welcome.path("resume_key").asString();

            NativeConn b = null;
            CompletableFuture<HttpSessionClient.Resp> httpGrant = null;
            String acquire = "\"key\":\"" + k + "\",\"timeout_ms\":20000";
            if (other.equals("http")) {
                httpGrant = HttpSessionClient.of(SERVER.port(), session, resumeKey).opAsync("lock.acquire", "{" + acquire + "}",
                        Duration.ofSeconds(25));
            } else {
                b = SERVER.open(other);
                JsonNode joined = b.hello(NativeConn.resume(session, resumeKey, 0));
                assertThat(joined.path("session").asString()).isEqualTo(session);
                b.send("{\"op\":\"lock.acquire\",\"id\":5," + acquire + "}");
            }
            try {
                SERVER.view().awaitWaiters(k, 1);

                a.close();
                // The server has seen A go: the session has only B's connection left (an HTTP request is not one).
                int left = b == null ? 0 : 1;
                Awaitility.await("A detached").atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(10))
                        .until(() -> SERVER.view().session(session).path("connections").asInt() == left);
                assertThat(SERVER.view().waiters(k)).as("B's acquire still waits").isEqualTo(1);
                assertThat(SERVER.view().session(session).path("requests_in_flight").asInt()).isEqualTo(1);
                if (httpGrant != null) assertThat(httpGrant).isNotDone();

                assertThat(holder.call("r\n" + k + "\n" + holderToken + "\n")).isEqualTo("ok");
                JsonNode grant;
                if (b != null) {
                    JsonNode reply = b.reply(5);
                    assertThat(reply.path("op").asString()).as(reply.toString()).isEqualTo("reply");
                    grant = reply.path("result");
                } else {
                    HttpSessionClient.Resp r = httpGrant.get(5, TimeUnit.SECONDS);
                    assertThat(r.status()).as(r.toString()).isEqualTo(200);
                    grant = r.json();
                }
                assertThat(grant.path("status").asString()).as(grant.toString()).isEqualTo("acquired");
                assertThat(grant.path("token").asString()).isGreaterThan(holderToken);
                assertThat(SERVER.view().lock(k).path("owner_conn_id").asLong()).isEqualTo(SERVER.view().session(session).path("numeric_id").asLong());
            } finally {
                HttpSessionClient.of(SERVER.port(), session, resumeKey).delete(); // ends the session and its lock
                if (b != null) b.close();
            }
        }
    }
}
