package dev.switchboard.server.http.dflockd;

import static dev.switchboard.server.http.dflockd.Http.assertJson;
import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.server.Switchboard;
import dev.switchboard.server.http.dflockd.Http.Resp;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** §2.2 CORS, first in the middleware chain (so before auth). */
class CorsTest {
    private static final String TOKEN = "cors-token";
    private static final String APP = "https://app.example.com";
    private static Switchboard sb;
    private static Switchboard any;
    private static Http anonymous;
    private static Http authed;

    @BeforeAll
    static void start() {
        sb = Http.config().authToken(TOKEN).httpCorsAllowedOrigins(List.of(APP, "https://other.example")).start();
        any = Http.config().httpCorsAllowedOrigins(List.of("*")).start();
        anonymous = new Http(sb.port());
        authed = new Http(sb.port(), TOKEN);
    }

    @AfterAll
    static void stop() {
        if (sb != null) sb.close();
        if (any != null) any.close();
    }

    private static void assertCorsHeaders(Resp r, String origin) {
        assertThat(r.header("Access-Control-Allow-Origin")).as("ACAO of " + r).isEqualTo(origin);
        assertThat(r.header("Access-Control-Allow-Methods")).as("ACAM of " + r).isEqualTo("GET, POST, DELETE, OPTIONS");
        assertThat(r.header("Access-Control-Allow-Headers")).as("ACAH of " + r).isNotNull();
        assertThat(r.header("Access-Control-Max-Age")).as("max age of " + r).isEqualTo("300");
    }

    private static void assertNoCorsHeaders(Resp r) {
        assertThat(r.header("Access-Control-Allow-Origin")).as(r.toString()).isNull();
        assertThat(r.header("Access-Control-Allow-Methods")).as(r.toString()).isNull();
        assertThat(r.header("Access-Control-Allow-Headers")).as(r.toString()).isNull();
        assertThat(r.header("Access-Control-Max-Age")).as(r.toString()).isNull();
    }

    @Test
    void allowedOriginIsEchoedWithVary() {
        Resp r = authed.get("/v1/stats", "Origin", APP);
        assertThat(r.status()).isEqualTo(200);
        assertCorsHeaders(r, APP);
        assertThat(r.headerValues("Vary")).as("Vary of " + r).anySatisfy(v -> assertThat(v).contains("Origin"));
        assertCorsHeaders(authed.get("/health", "Origin", "https://other.example"), "https://other.example");
    }

    @Test
    void allowHeadersAreExactlyDflockds() {
        Resp simple = authed.get("/v1/stats", "Origin", APP);
        assertThat(simple.header("Access-Control-Allow-Headers")).as("ACAH of " + simple)
                .isEqualTo("Authorization, Content-Type, X-Dflockd-Session");
        Resp pre = anonymous.send("OPTIONS", "/v1/locks/k", null, "Origin", APP, "Access-Control-Request-Method", "POST");
        assertThat(pre.header("Access-Control-Allow-Headers")).as("ACAH of " + pre)
                .isEqualTo("Authorization, Content-Type, X-Dflockd-Session");
    }

    @Test
    void nativeRoutesAllowTheHeadersOfTheNativeHttpApi() {
        // A page on another origin resumes a session with X-Switchboard-Key and reads its SSE stream
        // after Last-Event-ID: the preflight of such a request must allow both.
        Resp pre = anonymous.send("OPTIONS", "/api/v1/sessions/0123/events", null, "Origin", APP,
                "Access-Control-Request-Method", "GET", "Access-Control-Request-Headers", "x-switchboard-key, last-event-id");
        assertThat(pre.status()).isEqualTo(204);
        assertThat(pre.header("Access-Control-Allow-Headers")).as("ACAH of " + pre)
                .isEqualTo("Authorization, Content-Type, X-Switchboard-Key, Last-Event-ID");
    }

    @Test
    void disallowedOrMissingOriginGetsNoCorsHeaders() {
        Resp r = authed.get("/v1/stats", "Origin", "https://evil.example");
        assertThat(r.status()).isEqualTo(200);
        assertNoCorsHeaders(r);
        assertNoCorsHeaders(authed.get("/v1/stats"));
    }

    @Test
    void preflightIs204WithTheAllowHeadersAndNeedsNoToken() {
        Resp r = anonymous.send("OPTIONS", "/v1/locks/k", null, "Origin", APP,
                "Access-Control-Request-Method", "POST",
                "Access-Control-Request-Headers", "Authorization, Content-Type, X-Dflockd-Session");
        assertThat(r.status()).as(r.toString()).isEqualTo(204);
        assertThat(r.body()).isEmpty();
        assertCorsHeaders(r, APP);
    }

    @Test
    void corsHeadersComeBeforeAuthAndRouting() {
        Resp unauthorized = anonymous.get("/v1/stats", "Origin", APP);
        assertJson(unauthorized, 401, "{\"error\":\"unauthorized\"}");
        assertCorsHeaders(unauthorized, APP);
        Resp notFound = authed.get("/nope", "Origin", APP);
        assertJson(notFound, 404, "{\"error\":\"not_found\"}");
        assertCorsHeaders(notFound, APP);
    }

    @Test
    void wildcardAllowsAnyOrigin() {
        Http http = new Http(any.port());
        Resp r = http.get("/v1/stats", "Origin", "https://whoever.example");
        assertThat(r.status()).isEqualTo(200);
        assertCorsHeaders(r, "*");
        Resp pre = http.send("OPTIONS", "/v1/sessions", null, "Origin", "https://whoever.example",
                "Access-Control-Request-Method", "POST");
        assertThat(pre.status()).isEqualTo(204);
        assertCorsHeaders(pre, "*");
    }
}
