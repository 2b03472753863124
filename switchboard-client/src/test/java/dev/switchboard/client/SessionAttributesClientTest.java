package dev.switchboard.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@code session.set} and {@code session.info} through the Java client, against an embedded server. */
class SessionAttributesClientTest {
    @RegisterExtension
    static final LiveServer SERVER = new LiveServer();

    @Test
    void infoDescribesTheSessionAndSetChangesItsAttributes() {
        SwitchboardClient client = SERVER.client();
        SessionInfo fresh = client.sessionInfo();
        assertThat(fresh.sessionId()).isEqualTo(client.sessionId());
        assertThat(fresh.transport()).isEqualTo("json");
        assertThat(fresh.state()).isEqualTo("active");
        assertThat(fresh.connections()).isEqualTo(1);
        assertThat(fresh.attributes()).isEmpty();

        SessionInfo after = client.setSessionAttributes(Map.of("user", "ada", "tab", "3"));
        assertThat(after.attributes()).containsOnly(Map.entry("user", "ada"), Map.entry("tab", "3"));

        Map<String, String> change = new HashMap<>();
        change.put("tab", null); // null removes
        change.put("user", "grace");
        assertThat(client.setSessionAttributesAsync(change).join().attributes()).containsOnly(Map.entry("user", "grace"));
        assertThat(client.sessionInfo().attributes()).containsOnly(Map.entry("user", "grace"));
    }

    @Test
    void aChangeWithAServerKeyIsRefusedWhole() {
        SwitchboardClient client = SERVER.client();
        assertThat(SERVER.setSessionAttributes(client.sessionId(), Map.of("server.role", "admin"))).isTrue();

        assertThatThrownBy(() -> client.setSessionAttributes(Map.of("user", "ada", "server.role", "root")))
                .isInstanceOf(InvalidArgumentException.class);

        assertThat(client.sessionInfo().attributes()).as("all or nothing; the embedding server's key kept")
                .containsOnly(Map.entry("server.role", "admin"));
        assertThat(client.ping()).as("the connection stays open").isPositive();
    }
}
