package dev.switchboard.server.nativeproto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.switchboard.core.session.store.SessionRecord;
import dev.switchboard.server.Switchboard;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * An embedder's durable store (a map here) carries sessions across the loss of a node that keeps
 * none of its own (no data directory): the created hook saves the record, the lookup finds it.
 */
class EmbeddingSessionLookupTest {
    private final Map<String, SessionRecord> embedderStore = new ConcurrentHashMap<>();
    private final AtomicInteger lookups = new AtomicInteger();

    private Switchboard start() {
        return Switchboard.builder().host("127.0.0.1").port(0).shutdownTimeout(Duration.ofSeconds(1))
                .onSessionCreated(created -> embedderStore.put(created.sessionId(), created.record()))
                .onSessionClosed(closed -> embedderStore.remove(closed.sessionId()))
                .sessionLookup(id -> {
                    lookups.incrementAndGet();
                    return Optional.ofNullable(embedderStore.get(id));
                })
                .start();
    }

    @Test
    void aSessionSurvivesTheLossOfItsNodeThroughTheEmbeddersStore() throws Exception {
        JsonNode welcome;
        try (Switchboard sb = start(); NativeClient c = NativeClient.lines(sb.port())) {
            welcome = c.request("{\"op\":\"hello\",\"id\":1,\"version\":1}", 1);
            String id = welcome.path("session").asString();
            await().atMost(Duration.ofSeconds(5)).until(() -> embedderStore.containsKey(id));
            // The embedder sets what it knows of the client, and saves the session as it is now.
            assertThat(sb.setSessionAttributes(id, Map.of("server.user", "ada"))).isTrue();
            c.request("{\"op\":\"session.set\",\"id\":2,\"attributes\":{\"theme\":\"dark\"}}", 2);
            embedderStore.put(id, sb.sessions().record(id).orElseThrow());
        }
        assertThat(lookups).hasValue(0);
        // A new node with no data directory: nothing of the session is in its memory.
        try (Switchboard sb = start(); NativeClient c = NativeClient.lines(sb.port())) {
            assertThat(sb.sessions().activeSessions()).isZero();
            c.send("{\"op\":\"hello\",\"id\":1,\"version\":1,\"resume\":" + NativeConn.resume(
                    welcome.path("session").asString(), welcome.path("resume_key").asString(), 0) + "}");
            JsonNode resumed = c.read();
            assertThat(resumed.path("resumed").asBoolean()).as("%s", resumed).isTrue();
            assertThat(resumed.path("session").asString()).isEqualTo(welcome.path("session").asString());
            JsonNode info = c.request("{\"op\":\"session.info\",\"id\":2}", 2);
            assertThat(info.at("/result/attributes/server.user").asString()).isEqualTo("ada");
            assertThat(info.at("/result/attributes/theme").asString()).isEqualTo("dark");
            assertThat(lookups).hasValue(1);
        }
    }

    @Test
    void aWrongKeyOrAnUnknownIdGetsANewSessionAndTheLookupIsNotAskedTwiceForAHeldSession() throws Exception {
        try (Switchboard sb = start(); NativeClient c = NativeClient.lines(sb.port())) {
            JsonNode welcome = c.request("{\"op\":\"hello\",\"id\":1,\"version\":1}", 1);
            String id = welcome.path("session").asString();
            await().atMost(Duration.ofSeconds(5)).until(() -> embedderStore.containsKey(id));
            try (NativeClient guesser = NativeClient.lines(sb.port())) {
                guesser.send("{\"op\":\"hello\",\"id\":1,\"version\":1,\"resume\":" + NativeConn.resume(id, "wrong-key", 0) + "}");
                JsonNode answer = guesser.read();
                assertThat(answer.path("resumed").asBoolean()).isFalse();
                assertThat(answer.at("/resume_error/code").asString()).isEqualTo("session_not_found");
                assertThat(answer.path("session").asString()).isNotEqualTo(id);
            }
            // The node holds the session: a wrong key is refused without the embedder's store.
            assertThat(lookups).hasValue(0);
            try (NativeClient stranger = NativeClient.lines(sb.port())) {
                stranger.send("{\"op\":\"hello\",\"id\":1,\"version\":1,\"resume\":"
                        + NativeConn.resume("0123456789abcdef0123456789abcdef", "some-key", 0) + "}");
                assertThat(stranger.read().at("/resume_error/code").asString()).isEqualTo("session_not_found");
            }
            assertThat(lookups).hasValue(1);
        }
    }
}
