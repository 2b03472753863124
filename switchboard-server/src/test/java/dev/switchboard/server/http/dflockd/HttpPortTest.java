package dev.switchboard.server.http.dflockd;

import static dev.switchboard.server.http.dflockd.Http.SESSION;
import static dev.switchboard.server.http.dflockd.Http.assertJson;
import static dev.switchboard.server.http.dflockd.Http.assertNoContent;
import static dev.switchboard.server.http.dflockd.Http.grant;
import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.server.Switchboard;
import java.time.Duration;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The separate --http-port listener: the same API and state as the main port, and HTTP only. */
class HttpPortTest {
    private static Switchboard sb;
    private static Http http;
    private static Http main;

    @BeforeAll
    static void start() {
        int port = Http.freePort();
        sb = Http.config().httpPort(port).start();
        assertThat(sb.httpPort()).isEqualTo(port);
        http = new Http(sb.httpPort());
        main = new Http(sb.port());
    }

    @AfterAll
    static void stop() {
        if (sb != null) sb.close();
    }

    @Test
    void servesTheSameApi() {
        assertJson(http.get("/health"), 200, "{\"status\":\"ok\"}");
        String sid = http.createSession();
        String token = grant(http.post("/v1/locks/deploy-job", "{\"acquire_timeout_s\":10,\"lease_ttl_s\":60}", SESSION, sid), "ok", 60);
        // One node: the main port sees the same session and lock.
        assertJson(main.lock(sid, "deploy-job", "", "{\"acquire_timeout_s\":0}"), 200, "{\"status\":\"timeout\"}");
        assertNoContent(http.post("/v1/locks/deploy-job/release", "{\"token\":\"" + token + "\"}", SESSION, sid));
        assertJson(http.post("/v1/locks/deploy-job/release", "{\"token\":\"" + token + "\"}", SESSION, sid), 404, "{\"error\":\"not_held\"}");
        assertNoContent(http.delete("/v1/sessions/" + sid));
        assertJson(http.delete("/v1/sessions/" + sid), 410, "{\"error\":\"session_gone\"}");
        assertThat(http.get("/metrics").status()).isEqualTo(200);
    }

    @Test
    void statsCountsHttpSessionsAsConnections() {
        // The class's tests share the server: start from one that counts nothing (a connection
        // another test closed may not be ended on the server yet; see awaitNoConnections).
        awaitNoConnections();
        String sid = http.createSession();
        assertThat(connections()).as("the HTTP session (requests on --http-port are not counted)").isEqualTo(1);
        assertNoContent(http.delete("/v1/sessions/" + sid));
        assertThat(connections()).isEqualTo(0);
    }

    private static int connections() {
        return http.stats().get("connections").asInt();
    }

    /**
     * Until the server counts no connection. A dflockd TCP connection is a session that the server
     * ends when it reads the close, after the client's close() has returned: a count read at once
     * may still include it.
     */
    private static void awaitNoConnections() {
        Awaitility.await("stats.connections back to 0").atMost(Http.TIMEOUT).pollInterval(Duration.ofMillis(20))
                .until(() -> connections() == 0);
    }

    @Test
    void speaksOnlyHttp() {
        try (RawHttp raw = new RawHttp(sb.httpPort())) {
            raw.write("ping\n_\n\n");
            String reply = raw.readUntilClosed();
            assertThat(reply).as("reply of the HTTP-only port to a dflockd line command").doesNotStartWith("ok").startsWith("HTTP/1.1 400");
        }
        try (TcpLine tcp = new TcpLine(sb.port())) {
            assertThat(tcp.call("ping\n_\n\n")).as("the main port still speaks dflockd").isEqualTo("ok");
        }
        // Leave the shared server as found: the TCP connection's session ends once the server reads the close.
        awaitNoConnections();
    }
}
