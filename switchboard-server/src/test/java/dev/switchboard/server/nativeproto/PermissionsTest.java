package dev.switchboard.server.nativeproto;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.server.identity.Acl;
import dev.switchboard.server.transport.ServerContext;
import dev.switchboard.server.ws.WsClient;
import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import tools.jackson.databind.JsonNode;

/**
 * Identities and their permissions on topic.* and signal.*, over JSON lines, WebSocket and
 * dflockd's lines: the ACL's tokens, the shared --auth-token, and anonymous clients as the file
 * says for loopback (the tests' clients are all on loopback).
 */
class PermissionsTest {
    private static final String ACL = """
            {"identities": [
               {"name": "orders", "token": "t-orders", "publish": ["orders.>"], "subscribe": ["orders.*", "public.>"]},
               {"name": "reader", "token": "t-reader", "subscribe": [">"]},
               {"name": "billing", "token": "t-billing", "call": ["billing.>"], "serve": ["billing.invoice.*"]},
               {"name": "billing-caller", "token": "t-billing-caller", "call": ["billing.>"]}],
             "anonymous_loopback": {"subscribe": ["public.>"]}}
            """;

    @RegisterExtension
    static final TestServer SERVER = TestServer.perClass(b -> b.acl(Acl.parse(ACL)).authToken("shared-token"));

    private static JsonNode hello(NativeConn c, String token) throws Exception {
        return c.request("{\"op\":\"hello\",\"id\":1,\"version\":1" + (token == null ? "" : ",\"token\":\"" + token + "\"") + "}", 1);
    }

    @Test
    void anIdentityMayPublishAndSubscribeOnlyWhereItsPatternsCoverOverJsonLines() throws Exception {
        try (NativeConn c = SERVER.open("tcp")) {
            assertThat(hello(c, "t-orders").path("op").asString()).isEqualTo("welcome");
            assertThat(c.request(publish(2, "orders.eu"), 2).has("result")).isTrue();
            assertForbidden(c.request(publish(3, "billing.x"), 3), "orders", "publish");
            assertThat(c.request(subscribe(4, "orders.*"), 4).has("result")).isTrue();
            assertThat(c.request(subscribe(5, "public.news.>"), 5).has("result")).isTrue();
            assertForbidden(c.request(subscribe(6, "orders.>"), 6), "orders", "subscribe"); // wider than orders.*
            assertForbidden(c.request(subscribe(7, ">"), 7), "orders", "subscribe");
            assertForbidden(c.request("{\"op\":\"signal.publish\",\"id\":8,\"channel\":\"billing.x\",\"payload\":\"p\"}", 8), "orders", "publish");
            assertForbidden(c.request("{\"op\":\"signal.listen\",\"id\":9,\"pattern\":\"billing.*\"}", 9), "orders", "subscribe");
            assertForbidden(c.request("{\"op\":\"topic.history\",\"id\":10,\"topic\":\"billing.x\"}", 10), "orders", "subscribe");
            assertThat(c.request("{\"op\":\"ping\",\"id\":11}", 11).path("op").asString()).isEqualTo("pong");
        }
    }

    @Test
    void requestReplyNeedsCallToCallAndServeToServe() throws Exception {
        try (NativeConn backend = SERVER.open("tcp"); NativeConn caller = SERVER.open("websocket")) {
            assertThat(hello(backend, "t-billing").path("op").asString()).isEqualTo("welcome");
            // Another identity: a second session of the same one would replace the backend's (newest wins).
            assertThat(hello(caller, "t-billing-caller").path("op").asString()).isEqualTo("welcome");
            assertThat(backend.request("{\"op\":\"rpc.serve\",\"id\":2,\"pattern\":\"billing.invoice.*\"}", 2).has("result")).isTrue();
            assertForbidden(backend.request("{\"op\":\"rpc.serve\",\"id\":3,\"pattern\":\"billing.>\"}", 3), "billing", "serve");
            assertForbidden(caller.request("{\"op\":\"rpc.call\",\"id\":2,\"name\":\"orders.x\"}", 2), "billing-caller", "call");
            assertForbidden(caller.request("{\"op\":\"rpc.notify\",\"id\":3,\"name\":\"orders.x\"}", 3), "billing-caller", "call");
            assertForbidden(caller.request("{\"op\":\"rpc.call_many\",\"id\":4,\"targets\":[\"billing.a\",\"orders.x\"]}", 4),
                    "billing-caller", "call");
            // Allowed: the call reaches the backend, which answers.
            caller.send("{\"op\":\"rpc.call\",\"id\":5,\"name\":\"billing.invoice.create\",\"payload\":\"x\"}");
            JsonNode request = backend.nextEvent();
            assertThat(request.path("op").asString()).isEqualTo("rpc.request");
            backend.request("{\"op\":\"rpc.respond\",\"id\":4,\"rid\":\"" + request.path("rid").asString()
                    + "\",\"payload\":\"done\"}", 4);
            assertThat(caller.reply(5).at("/result/payload").asString()).isEqualTo("done");
        }
        try (NativeConn orders = SERVER.open("tcp")) {
            assertThat(hello(orders, "t-orders").path("op").asString()).isEqualTo("welcome");
            assertForbidden(orders.request("{\"op\":\"rpc.serve\",\"id\":2,\"pattern\":\"orders.x\"}", 2), "orders", "serve");
        }
    }

    @Test
    void overWebSocketTheSameRulesHoldAndAReaderCannotPublish() throws Exception {
        try (NativeConn reader = SERVER.open("websocket"); NativeConn orders = SERVER.open("websocket")) {
            assertThat(hello(reader, "t-reader").path("op").asString()).isEqualTo("welcome");
            assertThat(hello(orders, "t-orders").path("op").asString()).isEqualTo("welcome");
            assertThat(reader.request(subscribe(2, "orders.ws"), 2).has("result")).isTrue();
            assertForbidden(reader.request(publish(3, "orders.eu"), 3), "reader", "publish");
            assertThat(orders.request(publish(2, "orders.ws"), 2).at("/result/delivered").asInt()).isEqualTo(1);
            assertThat(reader.nextEvent().path("topic").asString()).isEqualTo("orders.ws");
        }
    }

    @Test
    void theSharedTokenMayDoEverythingAndAnUnknownTokenIsRefused() throws Exception {
        try (NativeConn shared = SERVER.open("tcp"); NativeConn wrong = SERVER.open("tcp")) {
            assertThat(hello(shared, "shared-token").path("op").asString()).isEqualTo("welcome");
            assertThat(shared.request(publish(2, "billing.x"), 2).has("result")).isTrue();
            assertThat(shared.request(subscribe(3, "shared.>"), 3).has("result")).isTrue();
            assertThat(hello(wrong, "nobody-has-this").at("/error/code").asString()).isEqualTo("unauthorized");
        }
    }

    @Test
    void dflockdClientsAreAnonymousUntilTheyAuthenticateWithTheSharedToken() throws Exception {
        // With an auth token set, a dflockd client must say auth first; it then has the shared token's identity.
        try (DflockdLines c = new DflockdLines(SERVER.port())) {
            assertThat(c.call("auth\n_\nshared-token\n")).isEqualTo("ok");
            assertThat(c.call("listen\nbilling.*\n\n")).isEqualTo("ok");
            assertThat(c.call("signal\nbilling.x\nhello\n")).isEqualTo("ok 1");
        }
        // An anonymous dflockd client (no auth token on this server) has the file's anonymous_loopback rights.
        try (TestServer open = TestServer.start(b -> b.acl(Acl.parse(ACL))); DflockdLines c = new DflockdLines(open.port())) {
            assertThat(c.call("listen\npublic.news\n\n")).isEqualTo("ok");
            assertThat(c.call("listen\nbilling.*\n\n")).isEqualTo("error");
            assertThat(c.call("signal\npublic.news\nhello\n")).isEqualTo("error");
            assertThat(c.call("l\nsome-lock\n0\n")).startsWith("ok ");
        }
    }

    @Test
    void overHttpTheBearerTokenIsTheIdentityAndARefusalIs403() throws Exception {
        java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
        String base = "http://127.0.0.1:" + SERVER.port();
        String[] key = {"none"};
        java.util.function.BiFunction<String, String, java.net.http.HttpResponse<String>> post = (path, body) -> {
            try {
                return http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(base + path))
                        .header("Authorization", "Bearer t-reader").header("X-Switchboard-Key", key[0])
                        .timeout(java.time.Duration.ofSeconds(5))
                        .POST(java.net.http.HttpRequest.BodyPublishers.ofString(body)).build(),
                        java.net.http.HttpResponse.BodyHandlers.ofString());
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        };
        var dflockd = post.apply("/v1/signals/orders.eu", "{\"payload\":\"x\"}");
        assertThat(dflockd.statusCode()).isEqualTo(403);
        assertThat(dflockd.body()).contains("\"forbidden\"");
        var created = post.apply("/api/v1/sessions", "");
        assertThat(created.statusCode()).isEqualTo(201);
        String session = NativeClient.JSON.readTree(created.body()).path("session").asString();
        key[0] = NativeClient.JSON.readTree(created.body()).path("resume_key").asString();
        var refused = post.apply("/api/v1/sessions/" + session + "/ops/topic.publish", "{\"topic\":\"public.x\",\"payload\":\"p\"}");
        assertThat(refused.statusCode()).isEqualTo(403);
        assertThat(NativeClient.JSON.readTree(refused.body()).path("code").asString()).isEqualTo("forbidden");
        var allowed = post.apply("/api/v1/sessions/" + session + "/ops/topic.subscribe", "{\"pattern\":\"public.x\"}");
        assertThat(allowed.statusCode()).isEqualTo(200);
    }

    @Test
    void anonymousClientsFromAnotherHostMayDoNothingWithoutAnAnonymousEntry() {
        assertThat(ServerContext.local(new InetSocketAddress("127.0.0.1", 1))).isTrue();
        assertThat(ServerContext.local(new InetSocketAddress("::1", 1))).isTrue();
        assertThat(ServerContext.local(new InetSocketAddress("192.0.2.7", 1))).isFalse();
        assertThat(ServerContext.local(null)).as("the Unix socket has no IP address").isTrue();
        Acl defaults = Acl.DEFAULT;
        assertThat(defaults.anonymous(true).may(dev.switchboard.core.identity.Permission.PUBLISH, "a")).isTrue();
        assertThat(defaults.anonymous(false).may(dev.switchboard.core.identity.Permission.SUBSCRIBE, "a")).isFalse();
    }

    private static void assertForbidden(JsonNode reply, String identity, String permission) {
        assertThat(reply.at("/error/code").asString()).as("%s", reply).isEqualTo("forbidden");
        assertThat(reply.at("/error/message").asString()).contains("'" + identity + "'").contains(permission);
    }

    private static String publish(int id, String topic) {
        return "{\"op\":\"topic.publish\",\"id\":" + id + ",\"topic\":\"" + topic + "\",\"payload\":\"p\"}";
    }

    private static String subscribe(int id, String pattern) {
        return "{\"op\":\"topic.subscribe\",\"id\":" + id + ",\"pattern\":\"" + pattern + "\"}";
    }
}
