package dev.switchboard.server.nativeproto;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.server.Switchboard;
import dev.switchboard.server.identity.Acl;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * Identities are not saved with sessions (--data-dir): a restored session may do nothing until
 * its client is known again, and then has that client's identity.
 */
class RestoredSessionIdentityTest {
    private static final Acl ACL = Acl.parse("""
            {"identities": [{"name": "feeds", "token": "t-feeds", "publish": ["feed.>"], "subscribe": ["feed.>"]}],
             "anonymous_loopback": {}}
            """);

    @TempDir
    Path dataDir;

    private Switchboard start() {
        return Switchboard.builder().port(0).dataDir(dataDir).acl(ACL).sessionGrace(Duration.ofSeconds(30))
                .shutdownTimeout(Duration.ofSeconds(1)).start();
    }

    @Test
    void aResumeAfterARestartGivesTheSessionItsClientsIdentityAgain() throws Exception {
        JsonNode welcome;
        try (Switchboard sb = start(); NativeClient c = NativeClient.lines(sb.port())) {
            c.send("{\"op\":\"hello\",\"id\":1,\"version\":1,\"token\":\"t-feeds\"}");
            welcome = c.read();
            assertThat(c.request("{\"op\":\"topic.publish\",\"id\":2,\"topic\":\"feed.a\",\"payload\":\"x\"}", 2).has("result")).isTrue();
        }
        try (Switchboard sb = start(); NativeClient anonymous = NativeClient.lines(sb.port()); NativeClient c = NativeClient.lines(sb.port())) {
            String resume = NativeConn.resume(welcome.path("session").asString(), welcome.path("resume_key").asString(), 0);
            // Resumed without the token: the anonymous rights of this file (none).
            anonymous.send("{\"op\":\"hello\",\"id\":1,\"version\":1,\"resume\":" + resume + "}");
            assertThat(anonymous.read().path("resumed").asBoolean()).isTrue();
            JsonNode refused = anonymous.request("{\"op\":\"topic.publish\",\"id\":2,\"topic\":\"feed.a\",\"payload\":\"x\"}", 2);
            assertThat(refused.at("/error/code").asString()).isEqualTo("forbidden");
            // Resumed with it: the identity again.
            c.send("{\"op\":\"hello\",\"id\":1,\"version\":1,\"token\":\"t-feeds\",\"resume\":" + resume + "}");
            assertThat(c.read().path("resumed").asBoolean()).isTrue();
            assertThat(c.request("{\"op\":\"topic.subscribe\",\"id\":2,\"pattern\":\"feed.>\"}", 2).has("result")).isTrue();
        }
    }
}
