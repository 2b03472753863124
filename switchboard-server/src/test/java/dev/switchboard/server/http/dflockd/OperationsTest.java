package dev.switchboard.server.http.dflockd;

import static dev.switchboard.server.http.dflockd.Http.assertJson;
import static dev.switchboard.server.http.dflockd.Http.grant;
import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.server.Switchboard;
import dev.switchboard.server.http.dflockd.Http.Resp;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** /health, /ready (and drain), /metrics (§2.4, §2.7). */
class OperationsTest {
    private static Switchboard sb;
    private static Http http;

    @BeforeAll
    static void start() {
        sb = Http.config().start();
        http = new Http(sb.port());
    }

    @AfterAll
    static void stop() {
        if (sb != null) sb.close();
    }

    @Test
    void healthAndReady() {
        assertJson(http.get("/health"), 200, "{\"status\":\"ok\"}");
        assertJson(http.get("/ready"), 200, "{\"status\":\"ok\"}");
    }

    @Test
    void metricsIsPrometheusTextWithHttpCounters() {
        http.get("/health");
        http.get("/no-such-route");
        Resp r = http.get("/metrics");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.header("Content-Type")).isEqualTo("text/plain; version=0.0.4; charset=utf-8");
        assertThat(r.body()).containsPattern(Pattern.compile(
                "^dflockd_http_requests_total\\{method=\"GET\",path=\"/health\",status=\"200\"\\} [0-9.eE+]+$", Pattern.MULTILINE));
        assertThat(r.body()).containsPattern(Pattern.compile(
                "^dflockd_http_requests_total\\{method=\"GET\",path=\"unmatched\",status=\"404\"\\} [0-9.eE+]+$", Pattern.MULTILINE));
        assertThat(r.body()).containsPattern(Pattern.compile(
                "^dflockd_http_request_duration_seconds_sum\\{method=\"GET\",path=\"/health\",status=\"200\"\\} ", Pattern.MULTILINE));
        assertThat(r.body()).containsPattern(Pattern.compile(
                "^dflockd_http_request_duration_seconds_count\\{method=\"GET\",path=\"/health\",status=\"200\"\\} ", Pattern.MULTILINE));
        // Route patterns, not raw paths, label the series.
        String sid = http.createSession();
        grant(http.lock(sid, "metric-key", "", "{\"acquire_timeout_s\":0}"), "ok", 33);
        assertThat(http.get("/metrics").body()).containsPattern(Pattern.compile(
                "^dflockd_http_requests_total\\{method=\"POST\",path=\"/v1/locks/\\{key\\}\",status=\"200\"\\} ", Pattern.MULTILINE));
    }

    @ParameterizedTest
    @ValueSource(strings = {"dflockd_ready", "dflockd_uptime_seconds", "dflockd_connections", "dflockd_http_sessions",
        "dflockd_locks_held", "dflockd_lock_waiters", "dflockd_semaphore_holders", "dflockd_semaphore_waiters"})
    void metricsHasTheDflockdGauges(String name) {
        String body = http.get("/metrics").body();
        assertThat(body).as("/metrics exposes " + name)
                .containsPattern(Pattern.compile("^" + name + "(\\{[^}]*\\})? [0-9.eE+-]+$", Pattern.MULTILINE));
    }

    @Test
    void gaugesFollowTheLockTable() {
        String sid = http.createSession();
        grant(http.lock(sid, "gauge-lock", "", "{\"acquire_timeout_s\":0}"), "ok", 33);
        grant(http.sem(sid, "gauge-sem", "", "{\"acquire_timeout_s\":0,\"limit\":3}"), "ok", 33);
        String body = http.get("/metrics").body();
        assertThat(body).containsPattern(Pattern.compile("^dflockd_ready(\\{\\})? 1(\\.0)?$", Pattern.MULTILINE));
        assertThat(body).containsPattern(Pattern.compile("^dflockd_locks_held(\\{\\})? [1-9][0-9]*(\\.0)?$", Pattern.MULTILINE));
        assertThat(body).containsPattern(Pattern.compile("^dflockd_semaphore_holders(\\{\\})? [1-9][0-9]*(\\.0)?$", Pattern.MULTILINE));
    }

    @Test
    void drainMakesReadyAndNewSessions503() {
        try (Switchboard draining = Http.config().start(); RawHttp conn = new RawHttp(draining.port())) {
            RawHttp.Response ready = conn.call("GET", "/ready", null);
            assertThat(ready.status()).isEqualTo(200);
            assertThat(ready.body()).isEqualTo("{\"status\":\"ok\"}\n");

            draining.drain();

            ready = conn.call("GET", "/ready", null);
            assertThat(ready.status()).as(ready.toString()).isEqualTo(503);
            assertThat(ready.header("Content-Type")).isEqualTo("application/json");
            assertThat(ready.body()).isEqualTo("{\"status\":\"draining\"}\n");

            RawHttp.Response health = conn.call("GET", "/health", null);
            assertThat(health.status()).isEqualTo(200);
            assertThat(health.body()).isEqualTo("{\"status\":\"ok\"}\n");

            RawHttp.Response session = conn.call("POST", "/v1/sessions", null);
            assertThat(session.status()).as(session.toString()).isEqualTo(503);
            assertThat(session.header("Content-Type")).isEqualTo("application/json");
            assertThat(Http.JSON.readTree(session.body()).get("error").asString()).isEqualTo("draining");
            assertThat(session.body()).startsWith("{\"error\":\"draining\"").endsWith("}\n");

            RawHttp.Response metrics = conn.call("GET", "/metrics", null);
            assertThat(metrics.status()).isEqualTo(200);
            assertThat(metrics.body()).containsPattern(Pattern.compile("^dflockd_ready(\\{\\})? 0(\\.0)?$", Pattern.MULTILINE));
        }
    }
}
