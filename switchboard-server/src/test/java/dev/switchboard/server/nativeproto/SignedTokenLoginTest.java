package dev.switchboard.server.nativeproto;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.core.identity.Permission;
import dev.switchboard.server.identity.Acl;
import dev.switchboard.server.identity.SignedTokens;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import tools.jackson.databind.JsonNode;

/**
 * A signed token in a hello (or an HTTP bearer) is the identity it names, with its claims as
 * permissions, beside the ACL's static tokens; a token that does not check out is refused
 * {@code unauthorized} with the reason.
 */
class SignedTokenLoginTest {
    private static final String SECRET = "server-test-secret-0123456789-abcdefghij";
    private static final SignedTokens TOKENS = new SignedTokens(SECRET, Duration.ofHours(1), null, Clock.systemUTC());

    @RegisterExtension
    static final TestServer SERVER = TestServer.perClass(b -> b.signedTokens(TOKENS)
            .acl(Acl.parse("{\"identities\": [{\"name\": \"reader\", \"token\": \"t-reader\", \"subscribe\": [\">\"]}]}")));

    private static JsonNode hello(NativeConn c, String token) throws Exception {
        return c.request("{\"op\":\"hello\",\"id\":1,\"version\":1,\"token\":\"" + token + "\"}", 1);
    }

    private static String publish(int id, String topic) {
        return "{\"op\":\"topic.publish\",\"id\":" + id + ",\"topic\":\"" + topic + "\",\"payload\":\"p\"}";
    }

    private static String alice() {
        return TOKENS.mint("alice", Duration.ofMinutes(10), Map.of(Permission.PUBLISH, List.of("chat.alice.>"),
                Permission.SUBSCRIBE, List.of("chat.>")));
    }

    @Test
    void theTokensClaimsAreThePermissionsOfItsPeerIdOnEveryTransport() throws Exception {
        for (String transport : NativeConn.TRANSPORTS) {
            try (NativeConn c = SERVER.open(transport)) {
                assertThat(hello(c, alice()).path("op").asString()).as(transport).isEqualTo("welcome");
                assertThat(c.request(publish(2, "chat.alice.room"), 2).has("result")).as(transport).isTrue();
                JsonNode refused = c.request(publish(3, "chat.bob"), 3);
                assertThat(refused.at("/error/code").asString()).isEqualTo("forbidden");
                assertThat(refused.at("/error/message").asString()).isEqualTo("identity 'alice' may not publish on 'chat.bob'");
                assertThat(c.request("{\"op\":\"topic.subscribe\",\"id\":4,\"pattern\":\"chat.*\"}", 4).has("result")).isTrue();
            }
        }
    }

    @Test
    void expiredForgedAndUnknownTokensAreRefusedWithTheReason() throws Exception {
        SignedTokens earlier = new SignedTokens(SECRET, Duration.ofHours(1), null,
                Clock.fixed(Instant.now().minusSeconds(120), ZoneOffset.UTC));
        String expired = earlier.mint("alice", Duration.ofSeconds(60), null);
        String token = alice();
        String forged = token.substring(0, token.length() - 2) + (token.endsWith("AA") ? "BB" : "AA");
        String[][] cases = {
            {expired, "token expired"},
            {forged, "token signature does not match"},
            {"sb1.garbage", "malformed token: expected sb1.<claims>.<mac>"},
            {"not-known-here", "wrong or missing token"},
        };
        for (String[] c : cases) {
            try (NativeConn conn = SERVER.open("tcp")) {
                JsonNode answer = hello(conn, c[0]);
                assertThat(answer.at("/error/code").asString()).as(c[1]).isEqualTo("unauthorized");
                assertThat(answer.at("/error/message").asString()).isEqualTo(c[1]);
            }
        }
    }

    @Test
    void staticTokensAndAnonymousLoopbackClientsKeepWorking() throws Exception {
        try (NativeConn reader = SERVER.open("websocket"); NativeConn anonymous = SERVER.open("tcp")) {
            assertThat(hello(reader, "t-reader").path("op").asString()).isEqualTo("welcome");
            assertThat(reader.request(publish(2, "chat.x"), 2).at("/error/message").asString())
                    .isEqualTo("identity 'reader' may not publish on 'chat.x'");
            assertThat(anonymous.request("{\"op\":\"hello\",\"id\":1,\"version\":1}", 1).path("op").asString()).isEqualTo("welcome");
        }
    }

    @Test
    void anHttpBearerSignedTokenOpensASessionOfItsIdentity() throws Exception {
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        String base = "http://127.0.0.1:" + SERVER.port();
        HttpResponse<String> created = http.send(HttpRequest.newBuilder(URI.create(base + "/api/v1/sessions"))
                .header("Authorization", "Bearer " + alice()).timeout(Duration.ofSeconds(5))
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(created.statusCode()).isEqualTo(201);
        JsonNode session = NativeClient.JSON.readTree(created.body());
        HttpResponse<String> refused = http.send(HttpRequest.newBuilder(URI.create(base + "/api/v1/sessions/"
                        + session.path("session").asString() + "/ops/topic.publish"))
                .header("X-Switchboard-Key", session.path("resume_key").asString()).timeout(Duration.ofSeconds(5))
                .POST(HttpRequest.BodyPublishers.ofString("{\"topic\":\"chat.bob\",\"payload\":\"p\"}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(refused.statusCode()).isEqualTo(403);
        assertThat(refused.body()).contains("identity 'alice' may not publish on 'chat.bob'");
        HttpResponse<String> expired = http.send(HttpRequest.newBuilder(URI.create(base + "/api/v1/sessions"))
                .header("Authorization", "Bearer " + new SignedTokens(SECRET, Duration.ofHours(1), null,
                        Clock.fixed(Instant.now().minusSeconds(120), ZoneOffset.UTC)).mint("alice", Duration.ofSeconds(60), null))
                .timeout(Duration.ofSeconds(5)).POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(expired.statusCode()).isEqualTo(401);
    }
}
