package dev.switchboard.server.nativeproto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.switchboard.core.identity.Permission;
import dev.switchboard.core.time.VirtualClock;
import dev.switchboard.server.identity.SignedTokens;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.JsonNode;

/**
 * A session that authenticated with a signed token is warned ({@code token.expiring}) before the
 * token expires, may refresh it on the live connection ({@code auth.refresh}) with a newer token for
 * the same identity, and ends with {@code token_expired} (its locks released) when the expiry plus
 * {@code --token-expiry-grace} passes without one. The node runs on virtual time.
 */
class TokenRefreshTest {
    private static final String SECRET = "refresh-test-secret-0123456789-abcdefghij";
    /** Whole seconds, so that a token's expiry (whole seconds) falls exactly where the test says. */
    private final VirtualClock clock = new VirtualClock(Instant.ofEpochSecond(Instant.now().getEpochSecond()));
    private final Instant start = Instant.ofEpochMilli(clock.currentTimeMillis());
    private final SignedTokens tokens = new SignedTokens(SECRET, Duration.ofHours(1), null, javaClock(clock));
    private TestServer server;

    @AfterEach
    void stop() throws Exception {
        if (server != null) server.close();
    }

    /** The token checks read the node's virtual time too. */
    private static Clock javaClock(VirtualClock clock) {
        return new Clock() {
            @Override
            public ZoneId getZone() {
                return ZoneOffset.UTC;
            }

            @Override
            public Clock withZone(ZoneId zone) {
                return this;
            }

            @Override
            public Instant instant() {
                return Instant.ofEpochMilli(clock.currentTimeMillis());
            }
        };
    }

    private void start(Duration grace) throws Exception {
        // No heartbeats: the test moves time by minutes, and its clients say nothing meanwhile.
        server = TestServer.start(b -> b.clock(clock).signedTokens(tokens).tokenExpiryGrace(grace)
                .heartbeatInterval(Duration.ZERO).sessionGrace(Duration.ofMinutes(10)).httpSessionIdleTimeout(Duration.ofHours(1)));
    }

    private String token(String peer, Duration ttl) {
        return tokens.mint(peer, ttl, null);
    }

    /** A token for alice that expired a minute before the test's start. */
    private String expiredToken() {
        return new SignedTokens(SECRET, Duration.ofHours(1), null, Clock.fixed(start.minusSeconds(120), ZoneOffset.UTC))
                .mint("alice", Duration.ofSeconds(60), null);
    }

    private static JsonNode hello(NativeConn c, String token, String resume) throws Exception {
        return c.request("{\"op\":\"hello\",\"id\":1,\"version\":1,\"token\":\"" + token + "\""
                + (resume == null ? "" : ",\"resume\":" + resume) + "}", 1);
    }

    private static JsonNode refresh(NativeConn c, int id, String token) throws Exception {
        return c.request("{\"op\":\"auth.refresh\",\"id\":" + id + ",\"token\":\"" + token + "\"}", id);
    }

    private static JsonNode lock(NativeConn c, int id, String key, long timeoutMs) throws Exception {
        return c.request("{\"op\":\"lock.acquire\",\"id\":" + id + ",\"key\":\"" + key + "\",\"lease_ms\":36000000,\"timeout_ms\":"
                + timeoutMs + "}", id);
    }

    private void advanceTo(Duration sinceStart) {
        clock.advance(Duration.between(Instant.ofEpochMilli(clock.currentTimeMillis()), start.plus(sinceStart)));
    }

    /**
     * The end of a session is scheduled by its warning, which runs in the session's mailbox: when
     * that turn comes after the advance that fired the warning has returned, the end falls due at
     * a time the clock has already reached. Once the warning has arrived, this runs it.
     */
    private void runWhatTheWarningScheduled() {
        clock.advance(Duration.ZERO);
    }

    @ParameterizedTest
    @ValueSource(strings = {"tcp", "tcp-frames", "unix", "websocket"})
    void aRefreshedTokenKeepsTheConnectionPastTheOldExpiryWithTheNewPermissions(String transport) throws Exception {
        start(Duration.ZERO);
        try (NativeConn c = server.open(transport)) {
            JsonNode welcome = hello(c, token("alice", Duration.ofSeconds(60)), null);
            assertThat(welcome.path("op").asString()).isEqualTo("welcome");
            advanceTo(Duration.ofSeconds(54)); // 60 s to live: the warning comes 10% of it (6 s) before the expiry
            JsonNode expiring = c.nextEvent();
            assertThat(expiring.path("op").asString()).isEqualTo("token.expiring");
            assertThat(expiring.path("expires_at").asLong()).isEqualTo(start.plusSeconds(60).toEpochMilli());

            String narrower = tokens.mint("alice", Duration.ofSeconds(120), Map.of(Permission.PUBLISH, List.of("chat.alice.>")));
            JsonNode refreshed = refresh(c, 2, narrower);
            assertThat(refreshed.at("/result/expires_at").asLong()).isEqualTo(start.plusSeconds(54 + 120).toEpochMilli());
            assertThat(c.request("{\"op\":\"topic.publish\",\"id\":3,\"topic\":\"chat.bob\",\"payload\":\"p\"}", 3)
                    .at("/error/message").asString()).as("the new token's permissions apply")
                    .isEqualTo("identity 'alice' may not publish on 'chat.bob'");

            advanceTo(Duration.ofSeconds(100)); // well past the first token's expiry
            assertThat(c.request("{\"op\":\"ping\",\"id\":4}", 4).path("op").asString()).isEqualTo("pong");
            assertThat(server.metric("switchboard_token_refreshes_total{result=\"ok\"}")).isEqualTo(1.0);
            assertThat(server.metric("switchboard_token_expired_total")).isZero();

            advanceTo(Duration.ofSeconds(174)); // the refreshed token's expiry
            JsonNode expired = c.nextEvent();
            assertThat(expired.path("op").asString()).isEqualTo("token.expiring");
            runWhatTheWarningScheduled();
            expired = c.nextEvent();
            assertThat(expired.at("/error/code").asString()).isEqualTo("token_expired");
            String id = welcome.path("session").asString();
            org.awaitility.Awaitility.await("the session ends").atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(10))
                    .until(() -> !server.view().hasSession(id));
            if (!transport.equals("websocket")) { // (a WebSocket client sees a Close frame instead of the end of the stream)
                assertThatThrownBy(c::read).as("the connection is closed").isInstanceOf(Exception.class);
            }
        }
    }

    /**
     * The session's pending wait is answered {@code session_closed} when the token ends it; that
     * answer must not close the connection itself (a WebSocket did, with Close 4002), so the
     * connection still learns why the session ended: {@code token_expired}.
     */
    @ParameterizedTest
    @ValueSource(strings = {"tcp", "websocket"})
    void aWaitPendingAtTheExpiryIsAnsweredAndTheConnectionStillGetsTokenExpired(String transport) throws Exception {
        start(Duration.ZERO);
        try (NativeConn holder = server.open("tcp"); NativeConn c = server.open(transport)) {
            hello(holder, token("holder", Duration.ofHours(1)), null);
            assertThat(lock(holder, 2, "busy", 0).at("/result/status").asString()).isEqualTo("acquired");
            hello(c, token("alice", Duration.ofSeconds(60)), null);
            c.send("{\"op\":\"lock.acquire\",\"id\":2,\"key\":\"busy\",\"timeout_ms\":36000000}");
            assertThat(c.request("{\"op\":\"ping\",\"id\":3}", 3).path("op").asString()).isEqualTo("pong");
            advanceTo(Duration.ofSeconds(60));
            assertThat(c.reply(2).at("/error/code").asString()).isEqualTo("session_closed");
            assertThat(c.nextEvent().path("op").asString()).isEqualTo("token.expiring");
            runWhatTheWarningScheduled();
            assertThat(c.nextEvent().at("/error/code").asString()).isEqualTo("token_expired");
        }
    }

    @Test
    void aTokenForAnotherIdentityOrABadTokenIsRefusedAndTheOldExpiryStands() throws Exception {
        start(Duration.ZERO);
        try (NativeConn alice = server.open("tcp"); NativeConn waiter = server.open("tcp")) {
            hello(alice, token("alice", Duration.ofSeconds(60)), null);
            assertThat(lock(alice, 2, "held", 0).at("/result/status").asString()).isEqualTo("acquired");

            JsonNode other = refresh(alice, 3, token("mallory", Duration.ofSeconds(600)));
            assertThat(other.at("/error/code").asString()).isEqualTo("forbidden");
            assertThat(other.at("/error/message").asString()).contains("'alice'").contains("'mallory'");
            String good = token("alice", Duration.ofSeconds(600));
            JsonNode forged = refresh(alice, 4, good.substring(0, good.length() - 2) + (good.endsWith("AA") ? "BB" : "AA"));
            assertThat(forged.at("/error/code").asString()).isEqualTo("unauthorized");
            assertThat(forged.at("/error/message").asString()).isEqualTo("token signature does not match");
            assertThat(refresh(alice, 5, "").at("/error/code").asString()).isEqualTo("invalid_argument");
            assertThat(alice.request("{\"op\":\"ping\",\"id\":6}", 6).path("op").asString()).as("the connection stays").isEqualTo("pong");

            hello(waiter, token("bob", Duration.ofSeconds(600)), null);
            waiter.send("{\"op\":\"lock.acquire\",\"id\":2,\"key\":\"held\",\"lease_ms\":36000000,\"timeout_ms\":600000}");
            server.view().awaitWaiters("held", 1);
            advanceTo(Duration.ofSeconds(60));
            assertThat(alice.nextEvent().path("op").asString()).isEqualTo("token.expiring");
            runWhatTheWarningScheduled();
            JsonNode expired = alice.nextEvent();
            assertThat(expired.at("/error/code").asString()).isEqualTo("token_expired");
            assertThat(expired.has("id")).isFalse();
            assertThat(waiter.reply(2).at("/result/status").asString()).as("the expired session's lock is released").isEqualTo("acquired");
            assertThat(server.metric("switchboard_token_refreshes_total{result=\"forbidden\"}")).isEqualTo(1.0);
            assertThat(server.metric("switchboard_token_refreshes_total{result=\"refused\"}")).isEqualTo(1.0);
            assertThat(server.metric("switchboard_token_expired_total")).isEqualTo(1.0);
        }
    }

    @Test
    void theGraceKeepsTheSessionPastTheExpiryForALateRefresh() throws Exception {
        start(Duration.ofSeconds(5));
        try (NativeConn c = server.open("websocket")) {
            hello(c, token("alice", Duration.ofSeconds(60)), null);
            advanceTo(Duration.ofSeconds(64)); // expired 4 s ago, within the 5 s grace
            assertThat(c.nextEvent().path("op").asString()).isEqualTo("token.expiring");
            assertThat(refresh(c, 2, token("alice", Duration.ofSeconds(60))).at("/result/expires_at").asLong())
                    .isEqualTo(start.plusSeconds(124).toEpochMilli());
            advanceTo(Duration.ofSeconds(100));
            assertThat(c.request("{\"op\":\"ping\",\"id\":3}", 3).path("op").asString()).isEqualTo("pong");
            advanceTo(Duration.ofSeconds(128)); // the new expiry plus 4 s: still within the grace
            assertThat(c.nextEvent().path("op").asString()).isEqualTo("token.expiring");
            assertThat(c.request("{\"op\":\"ping\",\"id\":4}", 4).path("op").asString()).isEqualTo("pong");
            advanceTo(Duration.ofSeconds(129)); // expiry plus grace
            assertThat(c.nextEvent().at("/error/code").asString()).isEqualTo("token_expired");
        }
    }

    @Test
    void afterTokenExpiredAResumeNeedsAValidTokenAndGetsANewSession() throws Exception {
        start(Duration.ZERO);
        JsonNode first;
        try (NativeConn c = server.open("tcp")) {
            first = hello(c, token("alice", Duration.ofSeconds(30)), null);
            advanceTo(Duration.ofSeconds(30));
            assertThat(c.nextEvent().path("op").asString()).isEqualTo("token.expiring");
            runWhatTheWarningScheduled();
            assertThat(c.nextEvent().at("/error/code").asString()).isEqualTo("token_expired");
        }
        String resume = NativeConn.resume(first.path("session").asString(), first.path("resume_key").asString(), 0);
        try (NativeConn c = server.open("tcp")) {
            JsonNode refused = hello(c, expiredToken(), resume);
            assertThat(refused.at("/error/code").asString()).isEqualTo("unauthorized");
            assertThat(refused.at("/error/message").asString()).isEqualTo("token expired");
        }
        try (NativeConn c = server.open("tcp")) {
            JsonNode welcome = hello(c, token("alice", Duration.ofSeconds(600)), resume);
            assertThat(welcome.path("op").asString()).isEqualTo("welcome");
            assertThat(welcome.path("resumed").asBoolean()).isFalse();
            assertThat(welcome.at("/resume_error/code").asString()).isEqualTo("session_not_found");
            assertThat(welcome.path("session").asString()).isNotEqualTo(first.path("session").asString());
        }
    }

    @Test
    void aSessionWithoutAnExpiringCredentialIsNeverEndedAndCannotRefreshIntoOne() throws Exception {
        start(Duration.ZERO);
        try (NativeConn c = server.open("tcp")) {
            c.hello(null); // anonymous, from loopback
            JsonNode refused = refresh(c, 2, token("alice", Duration.ofSeconds(600)));
            assertThat(refused.at("/error/code").asString()).isEqualTo("forbidden");
            advanceTo(Duration.ofHours(2));
            assertThat(c.request("{\"op\":\"ping\",\"id\":3}", 3).path("op").asString()).isEqualTo("pong");
        }
    }

    @Test
    void anHttpSessionIsRefusedAnExpiredBearerWithTheReasonIsRefreshedAndEndsWithItsToken() throws Exception {
        start(Duration.ZERO);
        HttpClient http = HttpClient.newHttpClient();
        URI sessions = URI.create("http://127.0.0.1:" + server.port() + "/api/v1/sessions");
        String expired = expiredToken();
        HttpResponse<String> refused = http.send(HttpRequest.newBuilder(sessions).header("Authorization", "Bearer " + expired)
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(refused.statusCode()).isEqualTo(401);
        assertThat(refused.body()).contains("unauthorized").contains("token expired");

        HttpResponse<String> created = http.send(HttpRequest.newBuilder(sessions)
                .header("Authorization", "Bearer " + token("alice", Duration.ofSeconds(60)))
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(created.statusCode()).isEqualTo(201);
        JsonNode session = tools.jackson.databind.json.JsonMapper.builder().build().readTree(created.body());
        String id = session.path("session").asString();
        advanceTo(Duration.ofSeconds(30));
        HttpResponse<String> refreshed = http.send(HttpRequest.newBuilder(URI.create(sessions + "/" + id + "/ops/auth.refresh"))
                .header("X-Switchboard-Key", session.path("resume_key").asString())
                .POST(HttpRequest.BodyPublishers.ofString("{\"token\":\"" + token("alice", Duration.ofSeconds(60)) + "\"}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(refreshed.statusCode()).isEqualTo(200);
        assertThat(refreshed.body().strip()).isEqualTo("{\"expires_at\":" + start.plusSeconds(90).toEpochMilli() + "}");
        advanceTo(Duration.ofSeconds(61));
        assertThat(server.view().hasSession(id)).as("refreshed past its first token's expiry").isTrue();
        advanceTo(Duration.ofSeconds(90));
        org.awaitility.Awaitility.await("the HTTP session ends with its token").atMost(Duration.ofSeconds(5))
                .pollInterval(Duration.ofMillis(10)).until(() -> !server.view().hasSession(id));
    }
}
