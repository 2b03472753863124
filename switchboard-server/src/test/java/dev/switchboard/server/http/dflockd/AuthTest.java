package dev.switchboard.server.http.dflockd;

import static dev.switchboard.server.http.dflockd.Http.assertJson;
import static dev.switchboard.server.http.dflockd.Http.grant;
import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.server.Switchboard;
import dev.switchboard.server.http.dflockd.Http.Resp;
import java.time.Duration;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** §2.2 bearer auth: every path but /health, /ready and /v1/openapi.json; a miss answers 401 after ~100 ms. */
class AuthTest {
    private static final String TOKEN = "s3cret-token";
    private static final String UNAUTHORIZED = "{\"error\":\"unauthorized\"}";
    private static Switchboard sb;
    private static Http anonymous;
    private static Http authed;

    @BeforeAll
    static void start() {
        sb = Http.config().authToken(TOKEN).start();
        anonymous = new Http(sb.port());
        authed = new Http(sb.port(), TOKEN);
    }

    @AfterAll
    static void stop() {
        if (sb != null) sb.close();
    }

    @Test
    void exemptPathsNeedNoToken() {
        assertJson(anonymous.get("/health"), 200, "{\"status\":\"ok\"}");
        assertJson(anonymous.get("/ready"), 200, "{\"status\":\"ok\"}");
        assertThat(anonymous.get("/v1/openapi.json").status()).isEqualTo(200);
    }

    @ParameterizedTest
    @ValueSource(strings = {"GET /v1/stats", "POST /v1/sessions", "GET /metrics", "POST /v1/locks/k",
        "POST /v1/signals/ch", "GET /v1/signals?pattern=a", "GET /nope", "DELETE /v1/sessions/0123456789abcdef0123456789abcdef"})
    void everythingElseIs401WithoutAToken(String request) {
        String[] mp = request.split(" ");
        Resp r = timed(() -> anonymous.send(mp[0], mp[1], mp[0].equals("POST") ? "{}" : null));
        assertJson(r, 401, UNAUTHORIZED);
    }

    @ParameterizedTest
    @ValueSource(strings = {"Bearer wrong", "Bearer " + TOKEN + "x", "Basic " + TOKEN, TOKEN, "Bearer", "Bearer  "})
    void aWrongTokenOrSchemeIs401AfterAPause(String authorization) {
        Resp r = timed(() -> anonymous.get("/v1/stats", "Authorization", authorization));
        assertJson(r, 401, UNAUTHORIZED);
    }

    @ParameterizedTest
    @ValueSource(strings = {"Bearer " + TOKEN, "bearer " + TOKEN, "BEARER " + TOKEN, "bEaReR   " + TOKEN + "  "})
    void theSchemeIsCaseInsensitiveAndTheTokenTrimmed(String authorization) {
        assertThat(anonymous.get("/v1/stats", "Authorization", authorization).status()).isEqualTo(200);
    }

    @Test
    void withTheTokenTheApiWorks() {
        String sid = authed.createSession();
        grant(authed.lock(sid, "authed-key", "", "{\"acquire_timeout_s\":0}"), "ok", 33);
        assertThat(authed.get("/metrics").status()).isEqualTo(200);
        assertJson(authed.get("/nope"), 404, "{\"error\":\"not_found\"}");
    }

    /** A refused request takes at least ~100 ms (asserted as at least 90 ms). */
    private static Resp timed(Supplier<Resp> call) {
        long t0 = System.nanoTime();
        Resp r = call.get();
        Duration took = Duration.ofNanos(System.nanoTime() - t0);
        assertThat(took).as("time to answer " + r).isGreaterThanOrEqualTo(Duration.ofMillis(90));
        return r;
    }
}
