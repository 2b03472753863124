package dev.switchboard.server.nativeproto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.switchboard.core.session.store.SessionInfoParser;
import dev.switchboard.server.Switchboard;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/** Session attributes: set by the client for itself, or by the embedding server under server.*; kept across a restart. */
class SessionAttributesTest {
    @TempDir
    Path dataDir;

    @Test
    void clientsSetTheirOwnAttributesWithinTheLimits() throws Exception {
        try (Switchboard sb = Switchboard.builder().port(0).shutdownTimeout(Duration.ofSeconds(1)).start();
             NativeClient c = NativeClient.hello(sb.port())) {
            JsonNode set = c.request("{\"op\":\"session.set\",\"id\":1,\"attributes\":{\"user\":\"ada\",\"tab\":\"3\"}}", 1);
            assertThat(set.at("/result/attributes").toString()).isEqualTo("{\"user\":\"ada\",\"tab\":\"3\"}");
            JsonNode removed = c.request("{\"op\":\"session.set\",\"id\":2,\"attributes\":{\"tab\":null}}", 2);
            assertThat(removed.at("/result/attributes").toString()).isEqualTo("{\"user\":\"ada\"}");
            JsonNode server = c.request("{\"op\":\"session.set\",\"id\":3,\"attributes\":{\"server.role\":\"admin\"}}", 3);
            assertThat(server.at("/error/code").asString()).isEqualTo("invalid_argument");
            JsonNode badKey = c.request("{\"op\":\"session.set\",\"id\":4,\"attributes\":{\"a b\":\"x\"}}", 4);
            assertThat(badKey.at("/error/code").asString()).isEqualTo("invalid_argument");
            JsonNode tooLong = c.request("{\"op\":\"session.set\",\"id\":5,\"attributes\":{\"k\":\"" + "x".repeat(2000) + "\"}}", 5);
            assertThat(tooLong.at("/error/code").asString()).isEqualTo("invalid_argument");
            JsonNode info = c.request("{\"op\":\"session.info\",\"id\":6}", 6);
            assertThat(info.at("/result/attributes").toString()).isEqualTo("{\"user\":\"ada\"}"); // all or nothing
            assertThat(info.at("/result/connections").asInt()).isEqualTo(1);
        }
    }

    @Test
    void theEmbedderSetsServerAttributesAndReadsSessionsWithItsParser() throws Exception {
        try (Switchboard sb = Switchboard.builder().port(0).shutdownTimeout(Duration.ofSeconds(1)).start();
             NativeClient c = NativeClient.lines(sb.port())) {
            c.send("{\"op\":\"hello\",\"id\":1,\"version\":1}");
            String id = c.read().path("session").asString();
            assertThat(sb.setSessionAttributes(id, Map.of("server.tenant", "acme"))).isTrue();
            assertThat(sb.setSessionAttributes("no-such-session", Map.of("x", "y"))).isFalse();
            assertThatThrownBy(() -> sb.setSessionAttributes(id, Map.of("bad key", "v"))).isInstanceOf(IllegalArgumentException.class);
            record Tenant(String name) {
            }
            SessionInfoParser<Tenant> parser = r -> new Tenant(r.attributes().get("server.tenant"));
            assertThat(sb.sessionInfo(id, parser)).contains(new Tenant("acme"));
            JsonNode info = c.request("{\"op\":\"session.info\",\"id\":2}", 2);
            assertThat(info.at("/result/attributes/server.tenant").asString()).isEqualTo("acme");
        }
    }

    @Test
    void attributesSurviveAGracefulRestartAndKeysComeFromThePluggedGenerator() throws Exception {
        AtomicInteger n = new AtomicInteger();
        var keys = new dev.switchboard.core.session.store.SessionKeys() {
            @Override
            public String newSessionId() {
                return "tenant-a-" + n.incrementAndGet();
            }

            @Override
            public String newResumeKey() {
                return dev.switchboard.core.session.store.SecureSessionKeys.INSTANCE.newResumeKey();
            }
        };
        JsonNode welcome;
        try (Switchboard sb = Switchboard.builder().port(0).dataDir(dataDir).sessionKeys(keys)
                .shutdownTimeout(Duration.ofSeconds(1)).start(); NativeClient c = NativeClient.lines(sb.port())) {
            c.send("{\"op\":\"hello\",\"id\":1,\"version\":1}");
            welcome = c.read();
            assertThat(welcome.path("session").asString()).isEqualTo("tenant-a-1");
            c.request("{\"op\":\"session.set\",\"id\":2,\"attributes\":{\"user\":\"ada\"}}", 2);
        }
        try (Switchboard sb = Switchboard.builder().port(0).dataDir(dataDir).shutdownTimeout(Duration.ofSeconds(1)).start();
             NativeClient c = NativeClient.lines(sb.port())) {
            c.send("{\"op\":\"hello\",\"id\":1,\"version\":1,\"resume\":{\"session\":\"tenant-a-1\",\"key\":\""
                    + welcome.path("resume_key").asString() + "\",\"last_seq\":0}}");
            assertThat(c.read().path("resumed").asBoolean()).isTrue();
            Map<String, String> seen = new HashMap<>();
            c.request("{\"op\":\"session.info\",\"id\":2}", 2).at("/result/attributes").properties()
                    .forEach(e -> seen.put(e.getKey(), e.getValue().asString()));
            assertThat(seen).containsExactly(Map.entry("user", "ada"));
        }
    }
}
