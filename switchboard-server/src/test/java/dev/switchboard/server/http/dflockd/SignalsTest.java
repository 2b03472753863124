package dev.switchboard.server.http.dflockd;

import static dev.switchboard.server.http.dflockd.Http.assertBadRequest;
import static dev.switchboard.server.http.dflockd.Http.assertJson;
import static dev.switchboard.server.http.dflockd.Http.key;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.switchboard.server.Switchboard;
import dev.switchboard.server.http.dflockd.Http.Resp;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.JsonNode;

/** dflockd 1.15–1.16 signal routes (§2.4) and the SSE stream (§2.6), bridged to TCP signals (§1.8). */
class SignalsTest {
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

    private static String q(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    private static Sse subscribe(String pattern, String group) {
        Sse sse = Sse.open(sb.port(), "/v1/signals?pattern=" + q(pattern) + (group == null ? "" : "&group=" + q(group)));
        assertThat(sse.response.statusCode()).isEqualTo(200);
        sse.expect(":ok\n\n");
        return sse;
    }

    private static Resp publish(String channel, String payload) {
        return http.post("/v1/signals/" + channel, "{\"payload\":" + Http.JSON.writeValueAsString(payload) + "}");
    }

    private static String event(String channel, String payload) {
        return "event: sig\ndata: {\"channel\":\"" + channel + "\",\"payload\":\"" + payload + "\"}\n\n";
    }

    @Test
    void publishWithNoListenerDeliversNothing() {
        assertJson(publish(key("nobody"), "hello"), 200, "{\"delivered\":0}");
    }

    @Test
    void sseStreamHeadersFirstBytesAndEvents() {
        String ch = key("alerts");
        try (Sse sse = Sse.open(sb.port(), "/v1/signals?pattern=" + q(ch + ".*"))) {
            assertThat(sse.response.statusCode()).isEqualTo(200);
            assertThat(sse.response.headers().firstValue("Content-Type")).hasValue("text/event-stream");
            assertThat(sse.response.headers().firstValue("Cache-Control")).hasValue("no-cache");
            assertThat(sse.response.headers().firstValue("X-Accel-Buffering")).hasValue("no");
            sse.expect(":ok\n\n");

            assertJson(publish(ch + ".fire", "building-7!"), 200, "{\"delivered\":1}");
            sse.expect(event(ch + ".fire", "building-7!"));
            // JSON-escaped per field, as Go's json.Marshal does (HTML characters too); no id: field.
            assertJson(publish(ch + ".x", "say \"hi\" <b>&\\"), 200, "{\"delivered\":1}");
            sse.expect(event(ch + ".x", "say \\\"hi\\\" \\u003cb\\u003e\\u0026\\\\"));
            // Not matching: not delivered.
            assertJson(publish(ch + ".a.b", "deep"), 200, "{\"delivered\":0}");
            sse.expectNothingFor(Duration.ofMillis(200));
        }
    }

    @Test
    void rawStreamBytes() {
        String ch = key("raw");
        try (RawHttp raw = new RawHttp(sb.port())) {
            raw.write(RawHttp.request("GET", "/v1/signals?pattern=" + ch, null));
            RawHttp.Response head = raw.readResponse();
            assertThat(head.status()).isEqualTo(200);
            assertThat(head.header("Content-Type")).isEqualTo("text/event-stream");
            assertThat(head.header("Cache-Control")).isEqualTo("no-cache");
            assertThat(head.header("Connection")).isEqualToIgnoringCase("keep-alive");
            assertThat(head.header("X-Accel-Buffering")).isEqualTo("no");
            raw.expectChunks(":ok\n\n");
            assertJson(publish(ch, "p1"), 200, "{\"delivered\":1}");
            raw.expectChunks(event(ch, "p1"));
        }
    }

    @Test
    void signalFromATcpClientReachesTheStreamAndBack() {
        String ch = key("tcp");
        try (Sse sse = subscribe(ch + ".>", null); TcpLine tcp = new TcpLine(sb.port()); TcpLine listener = new TcpLine(sb.port())) {
            assertThat(tcp.call("signal\n" + ch + ".fire\nbuilding-7!\n")).isEqualTo("ok 1");
            sse.expect(event(ch + ".fire", "building-7!"));

            assertThat(listener.call("listen\n" + ch + ".*\n\n")).isEqualTo("ok");
            assertJson(publish(ch + ".two", "from-http"), 200, "{\"delivered\":2}");
            assertThat(listener.line()).isEqualTo("sig " + ch + ".two from-http");
            sse.expect(event(ch + ".two", "from-http"));
        }
    }

    @Test
    void queueGroupRoundRobinsAcrossStreams() {
        String ch = key("jobs");
        try (Sse a = subscribe(ch + ".*", "workers"); Sse b = subscribe(ch + ".*", "workers")) {
            for (int i = 0; i < 4; i++) assertJson(publish(ch + ".run", "j" + i), 200, "{\"delivered\":1}");
            await().atMost(Http.TIMEOUT).until(() -> count(a.pending()) + count(b.pending()) == 4);
            assertThat(count(a.pending())).as("events of stream a: " + Http.show(a.pending())).isEqualTo(2);
            assertThat(count(b.pending())).as("events of stream b: " + Http.show(b.pending())).isEqualTo(2);
            boolean aFirst = a.pending().contains("\"j0\"");
            Sse first = aFirst ? a : b;
            Sse second = aFirst ? b : a;
            first.expect(event(ch + ".run", "j0") + event(ch + ".run", "j2"));
            second.expect(event(ch + ".run", "j1") + event(ch + ".run", "j3"));
        }
    }

    private static int count(String s) {
        return s.split("event: sig\n", -1).length - 1;
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "?pattern=", "?group=g", "?pattern=fo*", "?pattern=a.%3E.b", "?pattern=a..b",
        "?pattern=a.*&group=%01x"})
    void invalidSubscriptionIs400BeforeAnyStream(String query) {
        Resp r = http.get("/v1/signals" + query);
        assertBadRequest(r);
        assertThat(r.header("Content-Type")).isEqualTo("application/json");
    }

    @Test
    void aGroupOver256BytesIs400BeforeAnyStream() {
        Resp r = http.get("/v1/signals?pattern=a.*&group=" + "g".repeat(257));
        assertBadRequest(r);
        assertThat(r.body()).contains("group must be at most 256 bytes");
    }

    @Test
    void invalidPublishIs400() {
        assertBadRequest(http.post("/v1/signals/" + key("c"), "{\"payload\":\"\"}"));
        assertBadRequest(http.post("/v1/signals/" + key("c"), "{}"));
        assertBadRequest(http.post("/v1/signals/" + key("c"), "{\"payload\":\"a\\nb\"}"));
        assertBadRequest(http.post("/v1/signals/" + key("c"), "{\"payload\":\"x\",\"extra\":1}"));
        assertBadRequest(http.post("/v1/signals/" + key("c"), null));
        assertBadRequest(http.post("/v1/signals/a.*", "{\"payload\":\"x\"}"));
        assertBadRequest(http.post("/v1/signals/a.%3E", "{\"payload\":\"x\"}"));
    }

    @Test
    void subscriptionEndsWhenTheClientDisconnects() {
        String ch = key("bye");
        RawHttp raw = new RawHttp(sb.port());
        raw.write(RawHttp.request("GET", "/v1/signals?pattern=" + ch + "&group=g1", null));
        assertThat(raw.readResponse().status()).isEqualTo(200);
        raw.expectChunks(":ok\n\n");
        assertJson(publish(ch, "one"), 200, "{\"delivered\":1}");
        assertThat(listeners(ch)).isEqualTo(1);
        raw.close();
        await("subscription removed").atMost(Http.TIMEOUT).pollInterval(Duration.ofMillis(50))
                .until(() -> listeners(ch) == 0);
        assertJson(publish(ch, "two"), 200, "{\"delivered\":0}");
    }

    /** Listeners of {@code pattern} in stats' signal_channels (0 when absent). */
    private static int listeners(String pattern) {
        JsonNode channels = http.stats().get("signal_channels");
        if (channels == null) return 0;
        int n = 0;
        for (JsonNode c : channels) {
            if (pattern.equals(c.get("pattern").asString())) n += c.get("listeners").asInt();
        }
        return n;
    }
}
