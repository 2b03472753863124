package dev.switchboard.server.admin;

import static dev.switchboard.server.admin.AdminApiTest.JSON;
import static dev.switchboard.server.admin.AdminApiTest.send;
import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.server.Switchboard;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * The admin dashboard at {@code /admin}: its page and assets are served to anyone (even with
 * {@code --auth-token}: the page holds no data), with a strict Content-Security-Policy, no
 * caching and no sniffing; nothing outside the dashboard's directory can be reached through it;
 * and every field the page reads is in the snapshot.
 */
class AdminPageTest {
    private static final String ADMIN = "page-admin-1";
    private static Switchboard sb;

    @BeforeAll
    static void start() {
        sb = Switchboard.builder().port(0).adminToken(ADMIN).authToken("clients-only").start();
    }

    @AfterAll
    static void stop() {
        if (sb != null) sb.close();
    }

    private static HttpResponse<String> get(String path) throws Exception {
        return send("http://127.0.0.1:" + sb.port(), "GET", path, Map.of());
    }

    private static void assertStrictHeaders(HttpResponse<String> r, String contentType) {
        assertThat(r.statusCode()).as(r.uri() + ": " + r.body()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type")).hasValue(contentType);
        assertThat(r.headers().firstValue("Cache-Control")).hasValue("no-store");
        assertThat(r.headers().firstValue("X-Content-Type-Options")).hasValue("nosniff");
        assertThat(r.headers().firstValue("X-Frame-Options")).hasValue("DENY");
        String csp = r.headers().firstValue("Content-Security-Policy").orElseThrow();
        assertThat(csp).contains("default-src 'none'", "script-src 'self'", "connect-src 'self'", "frame-ancestors 'none'",
                "form-action 'none'");
        assertThat(csp).doesNotContain("unsafe-inline", "unsafe-eval", "*");
    }

    @Test
    void thePageAndEveryAssetItLoadsAreServedWithStrictHeaders() throws Exception {
        HttpResponse<String> page = get("/admin");
        assertStrictHeaders(page, "text/html; charset=utf-8");
        assertThat(page.body()).contains("data-testid=\"login-form\"", "data-testid=\"login-token\"", "data-testid=\"section-sessions\"",
                "data-testid=\"section-locks\"");
        assertThat(page.body()).as("no inline script (the CSP would block it)").doesNotContainPattern("<script(?![^>]*\\bsrc=)");
        assertThat(page.body()).as("no inline style").doesNotContain("<style", " style=");

        // Every module the page reaches, following imports from the page's own script.
        List<String> pending = new ArrayList<>(List.of("/admin/app.js"));
        Matcher css = Pattern.compile("href=\"(/admin/[^\"]+\\.css)\"").matcher(page.body());
        assertThat(css.find()).isTrue();
        assertStrictHeaders(get(css.group(1)), "text/css; charset=utf-8");
        Matcher icon = Pattern.compile("rel=\"icon\" href=\"(/admin/[^\"]+\\.svg)\"").matcher(page.body());
        assertThat(icon.find()).as("an icon, so that the browser's /favicon.ico request is not made (a 404)").isTrue();
        assertStrictHeaders(get(icon.group(1)), "image/svg+xml");
        List<String> seen = new ArrayList<>();
        Pattern imports = Pattern.compile("from '(\\./[^']+|\\.\\./[^']+)'");
        while (!pending.isEmpty()) {
            String path = pending.remove(0);
            if (seen.contains(path)) continue;
            seen.add(path);
            HttpResponse<String> js = get(path);
            assertStrictHeaders(js, "text/javascript; charset=utf-8");
            Matcher m = imports.matcher(js.body());
            while (m.find()) pending.add(java.net.URI.create("http://x" + path).resolve(m.group(1)).getPath());
        }
        assertThat(seen).contains("/admin/app.js", "/admin/client/index.js", "/admin/views/sections.js", "/admin/views/chart.js",
                "/admin/client/transports/websocket.js", "/admin/client/transports/sse.js");
        // The client's real build (npm run embed), its index re-exporting the modules beside it.
        assertThat(get("/admin/client/index.js").body()).contains("export { AdminClient } from './admin.js'",
                "export { SwitchboardError } from './errors.js'");
        assertThat(get("/admin/client/admin.js").body()).contains("export class AdminClient");
    }

    @Test
    void headAnswersTheHeadersAloneAndOtherMethodsAreRefused() throws Exception {
        HttpResponse<String> head = send("http://127.0.0.1:" + sb.port(), "HEAD", "/admin/app.js", Map.of());
        assertThat(head.statusCode()).isEqualTo(200);
        assertThat(head.headers().firstValue("Content-Type")).hasValue("text/javascript; charset=utf-8");
        assertThat(head.headers().firstValue("Content-Security-Policy")).isPresent();
        assertThat(head.body()).isEmpty();
        assertThat(head.headers().firstValueAsLong("Content-Length").orElseThrow()).isEqualTo(get("/admin/app.js").body()
                .getBytes(StandardCharsets.UTF_8).length);
        HttpResponse<String> post = send("http://127.0.0.1:" + sb.port(), "POST", "/admin", Map.of());
        assertThat(post.statusCode()).isEqualTo(405);
        assertThat(post.headers().firstValue("Allow").orElseThrow()).contains("GET", "HEAD");
    }

    @Test
    void nothingOutsideTheDashboardCanBeReached() throws Exception {
        for (String path : List.of("/admin/..%2Fdemo.html", "/admin/views/..%2F..%2Fdemo.html", "/admin/client/..%2Fapp.js",
                "/admin/%2E%2E", "/admin/logback.xml", "/admin/nothing.js", "/admin/views", "/admin/other/app.js",
                "/admin/app.js%00.css", "/admin/.hidden.js", "/admin/app..js", "/admin/..%5C..%5Clogback.xml",
                "/admin/client/transports/..%2F..%2Fapp.js", "/admin/client/..%2Fviews/sections.js", "/admin/views/transports/sse.js",
                "/admin/client/transports", "/admin/client/%2E%2E/app.js", "/admin/client/transports/x/sse.js")) {
            HttpResponse<String> r = get(path);
            assertThat(r.statusCode()).as(path).isEqualTo(404);
            assertThat(JSON.readTree(r.body()).path("error").asString()).as(path).isEqualTo("not_found");
        }
        // A raw request line with dot segments, as a client that does not normalise them would send.
        try (Socket s = new Socket("127.0.0.1", sb.port())) {
            OutputStream out = s.getOutputStream();
            out.write("GET /admin/../openapi/switchboard-http.json HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            String status = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII)).readLine();
            assertThat(status).isEqualTo("HTTP/1.1 404 Not Found");
        }
    }

    @Test
    void theClientsBearerTokenIsNotNeededForThePageButTheAdminTokenIsForItsData() throws Exception {
        assertThat(get("/admin").statusCode()).isEqualTo(200);
        assertThat(get("/api/v1/admin/snapshot").statusCode()).isEqualTo(401);
        assertThat(get("/api/v1/stats").statusCode()).as("the bearer token still guards the rest").isEqualTo(401);
    }

    /** The fields the dashboard's views read (views/sections.js, app.js), all in one snapshot. */
    @Test
    void theSnapshotHasWhatTheDashboardReads() throws Exception {
        try (AdminApiTest.NativeTcp holder = AdminApiTest.NativeTcp.connect(sb.port())) {
            holder.send("{\"op\":\"hello\",\"id\":1,\"version\":1,\"token\":\"clients-only\"}");
            holder.session = holder.read().path("session").asString();
            holder.request("{\"op\":\"lock.acquire\",\"id\":2,\"key\":\"page-lock\",\"timeout_ms\":0}");
            holder.request("{\"op\":\"signal.listen\",\"id\":3,\"pattern\":\"page.>\"}");
            JsonNode snap = AdminSnapshotTest.snapshot(sb, ADMIN);
            assertThat(snap.has("at_ms")).isTrue();
            assertThat(snap.path("node").has("server")).isTrue();
            assertThat(snap.path("node").has("node_id")).isTrue();
            assertThat(snap.path("node").has("uptime_s")).isTrue();
            JsonNode s = snap.path("sessions").get(0);
            for (String f : List.of("id", "numeric_id", "state", "kind", "transport", "attached", "connections", "held", "waiting",
                    "listening", "age_s", "remote_address")) {
                assertThat(s.has(f)).as("session field %s", f).isTrue();
            }
            JsonNode lock = snap.path("locks").get(0);
            for (String f : List.of("key", "kind", "limit", "holders", "waiters", "holder_count", "waiter_count")) {
                assertThat(lock.has(f)).as("lock field %s", f).isTrue();
            }
            for (String f : List.of("session", "numeric_id", "fence", "lease_remaining_ms")) {
                assertThat(lock.path("holders").get(0).has(f)).as("holder field %s", f).isTrue();
            }
            JsonNode topic = snap.path("topics").get(0);
            for (String f : List.of("topic", "subscribers", "groups", "published_total")) {
                assertThat(topic.has(f)).as("topic field %s", f).isTrue();
            }
            assertThat(snap.path("presence").get(0).has("members")).isTrue();
            assertThat(snap.path("peers").get(0).has("peer")).isTrue();
            assertThat(snap.path("services").isArray()).isTrue();
            for (String f : List.of("operations_total", "messages_in_total", "messages_out_total", "bytes_in_total", "bytes_out_total",
                    "operations_by_transport")) {
                assertThat(snap.path("counters").has(f)).as("counter %s", f).isTrue();
            }
            assertThat(snap.path("limit_hits").isObject()).isTrue();
            assertThat(snap.path("truncated_lists").isArray()).isTrue();
        }
    }
}
