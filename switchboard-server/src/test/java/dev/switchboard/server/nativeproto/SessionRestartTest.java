package dev.switchboard.server.nativeproto;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.server.Switchboard;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * With --data-dir a graceful restart keeps native sessions: the client resumes with its key, its
 * subscriptions still listen, and the locks it held — which a new process cannot hold — are
 * reported lost.
 */
class SessionRestartTest {
    @TempDir
    Path dataDir;

    private Switchboard start() {
        return Switchboard.builder().port(0).dataDir(dataDir).sessionGrace(Duration.ofSeconds(30))
                .shutdownTimeout(Duration.ofSeconds(1)).start();
    }

    @Test
    void sessionsResumeAfterAGracefulRestart() throws Exception {
        JsonNode welcome;
        long lastSeq;
        try (Switchboard sb = start(); NativeClient c = NativeClient.lines(sb.port())) {
            c.send("{\"op\":\"hello\",\"id\":1,\"version\":1}");
            welcome = c.read();
            c.request("{\"op\":\"signal.listen\",\"id\":2,\"pattern\":\"deploy.*\"}", 2);
            c.request("{\"op\":\"lock.acquire\",\"id\":3,\"key\":\"release-train\",\"lease_ms\":60000}", 3);
            assertThat(signal(sb.port(), "deploy.eu", "before")).isEqualTo("ok 1");
            JsonNode event = c.read();
            assertThat(event.path("payload").asString()).isEqualTo("before");
            lastSeq = event.path("seq").asLong();
        }
        try (Switchboard sb = start()) {
            // Nobody has resumed yet: the restored session is listening already.
            assertThat(signal(sb.port(), "deploy.us", "while-away")).isEqualTo("ok 1");
            try (NativeClient c = NativeClient.lines(sb.port())) {
                c.send("{\"op\":\"hello\",\"id\":1,\"version\":1,\"resume\":{\"session\":\"" + welcome.path("session").asString()
                        + "\",\"key\":\"" + welcome.path("resume_key").asString() + "\",\"last_seq\":" + lastSeq + "}}");
                JsonNode resumed = c.read();
                assertThat(resumed.path("resumed").asBoolean()).isTrue();
                assertThat(resumed.path("recovered").asBoolean()).isTrue();
                assertThat(resumed.path("session").asString()).isEqualTo(welcome.path("session").asString());
                JsonNode lost = c.read();
                assertThat(lost.path("op").asString()).isEqualTo("lock.lost");
                assertThat(lost.path("key").asString()).isEqualTo("release-train");
                assertThat(lost.path("reason").asString()).isEqualTo("server_restart");
                assertThat(lost.path("seq").asLong()).isEqualTo(lastSeq + 1);
                JsonNode missed = c.read();
                assertThat(missed.path("payload").asString()).isEqualTo("while-away");
                assertThat(missed.path("seq").asLong()).isEqualTo(lastSeq + 2);
                // The lock itself is free in the new process.
                JsonNode grant = c.request("{\"op\":\"lock.acquire\",\"id\":2,\"key\":\"release-train\"}", 2);
                assertThat(grant.at("/result/status").asString()).isEqualTo("acquired");
            }
        }
    }

    @Test
    void anOldCursorAfterARestartIsNotRecovered() throws Exception {
        JsonNode welcome;
        try (Switchboard sb = start(); NativeClient c = NativeClient.lines(sb.port())) {
            c.send("{\"op\":\"hello\",\"id\":1,\"version\":1}");
            welcome = c.read();
            c.request("{\"op\":\"signal.listen\",\"id\":2,\"pattern\":\"x\"}", 2);
            assertThat(signal(sb.port(), "x", "one")).isEqualTo("ok 1");
            c.read();
        }
        try (Switchboard sb = start(); NativeClient c = NativeClient.lines(sb.port())) {
            c.send("{\"op\":\"hello\",\"id\":1,\"version\":1,\"resume\":{\"session\":\"" + welcome.path("session").asString()
                    + "\",\"key\":\"" + welcome.path("resume_key").asString() + "\",\"last_seq\":0}}");
            JsonNode resumed = c.read();
            assertThat(resumed.path("resumed").asBoolean()).isTrue();
            assertThat(resumed.path("recovered").asBoolean()).isFalse(); // event 1 was not kept across the restart
        }
    }

    @Test
    void anEmbeddersOwnStoreCarriesSessionsAcrossARestart() throws Exception {
        var store = new dev.switchboard.core.session.store.InMemorySessionStore();
        JsonNode welcome;
        try (Switchboard sb = Switchboard.builder().port(0).sessionStore(store).shutdownTimeout(Duration.ofSeconds(1)).start();
             NativeClient c = NativeClient.lines(sb.port())) {
            c.send("{\"op\":\"hello\",\"id\":1,\"version\":1}");
            welcome = c.read();
            c.request("{\"op\":\"signal.listen\",\"id\":2,\"pattern\":\"kept\"}", 2);
        }
        assertThat(store.size()).isEqualTo(1);
        try (Switchboard sb = Switchboard.builder().port(0).sessionStore(store).shutdownTimeout(Duration.ofSeconds(1)).start()) {
            assertThat(signal(sb.port(), "kept", "after")).isEqualTo("ok 1");
            try (NativeClient c = NativeClient.lines(sb.port())) {
                c.send("{\"op\":\"hello\",\"id\":1,\"version\":1,\"resume\":{\"session\":\"" + welcome.path("session").asString()
                        + "\",\"key\":\"" + welcome.path("resume_key").asString() + "\",\"last_seq\":0}}");
                assertThat(c.read().path("resumed").asBoolean()).isTrue();
                assertThat(c.read().path("payload").asString()).isEqualTo("after");
            }
        }
    }

    private static String signal(int port, String channel, String payload) throws Exception {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(5000);
            s.getOutputStream().write(("signal\n" + channel + "\n" + payload + "\n").getBytes(StandardCharsets.UTF_8));
            return new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8)).readLine();
        }
    }
}
