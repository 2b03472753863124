package dev.switchboard.server.http.dflockd;

import static dev.switchboard.server.http.dflockd.Http.assertJson;
import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.server.Switchboard;
import org.junit.jupiter.api.Test;

/**
 * §2.2 per-IP token bucket: a burst, then {@code 429 {"error":"rate_limited"}}; /health and /ready
 * are exempt and take no token; another IP has its own bucket. The rate (one token per 20 s) is
 * low enough that no token comes back during a test.
 */
class RateLimitTest {
    private static final String LIMITED = "{\"error\":\"rate_limited\"}";

    private static Switchboard start() {
        return Http.config().httpRateLimitPerIp(0.05).httpRateLimitBurst(3).start();
    }

    @Test
    void burstThen429() {
        try (Switchboard sb = start()) {
            Http http = new Http(sb.port());
            for (int i = 0; i < 3; i++) assertThat(http.get("/v1/stats").status()).as("request " + (i + 1)).isEqualTo(200);
            assertJson(http.get("/v1/stats"), 429, LIMITED);
            assertJson(http.post("/v1/sessions", null), 429, LIMITED);
            assertJson(http.get("/nope"), 429, LIMITED);
            // exempt
            assertJson(http.get("/health"), 200, "{\"status\":\"ok\"}");
            assertJson(http.get("/ready"), 200, "{\"status\":\"ok\"}");
        }
    }

    @Test
    void healthAndReadyTakeNoToken() {
        try (Switchboard sb = start()) {
            Http http = new Http(sb.port());
            for (int i = 0; i < 10; i++) {
                assertThat(http.get("/health").status()).isEqualTo(200);
                assertThat(http.get("/ready").status()).isEqualTo(200);
            }
            for (int i = 0; i < 3; i++) assertThat(http.get("/v1/stats").status()).as("request " + (i + 1)).isEqualTo(200);
            assertJson(http.get("/v1/stats"), 429, LIMITED);
        }
    }

    @Test
    void eachIpHasItsOwnBucket() {
        try (Switchboard sb = start()) {
            Http http = new Http(sb.port());
            for (int i = 0; i < 3; i++) http.get("/v1/stats");
            assertJson(http.get("/v1/stats"), 429, LIMITED);
            try (RawHttp other = new RawHttp("127.0.0.2", sb.port())) {
                for (int i = 0; i < 3; i++) {
                    assertThat(other.call("GET", "/v1/stats", null).status()).as("127.0.0.2 request " + (i + 1)).isEqualTo(200);
                }
                RawHttp.Response r = other.call("GET", "/v1/stats", null);
                assertThat(r.status()).isEqualTo(429);
                assertThat(r.body()).isEqualTo(LIMITED + "\n");
            }
        }
    }
}
