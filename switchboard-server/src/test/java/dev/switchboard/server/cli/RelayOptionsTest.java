package dev.switchboard.server.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.switchboard.server.SwitchboardConfig;
import dev.switchboard.server.transport.relay.RelaySettings;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The relay protocol's options: Switchboard's names, the original relay's flags, and its OZ_* variables. */
class RelayOptionsTest {
    private static RelaySettings relay(Map<String, String> env, String... args) {
        var cl = Main.commandLine(env);
        cl.parseArgs(args);
        SwitchboardConfig c = ((Main) cl.getCommand()).toConfig();
        return c.relay();
    }

    @Test
    void theRelayIsOffWithoutASecretAndHasTheOriginalsTimings() {
        RelaySettings off = relay(Map.of());
        assertThat(off.enabled()).isFalse();
        assertThat(off.healthInterval()).isEqualTo(Duration.ofSeconds(25));
        assertThat(off.healthTimeout()).isEqualTo(Duration.ofSeconds(20));
        assertThat(off.authTimeout()).isEqualTo(Duration.ofSeconds(5));
        assertThat(off.allowUnboundTokens()).isFalse();
    }

    @Test
    void theOriginalRelaysFlagsAndVariablesAreAccepted() {
        RelaySettings flags = relay(Map.of(), "--auth-secret", "s1", "--exposed-address", "rels://relay.example:443/relay");
        assertThat(flags.authSecret()).isEqualTo("s1");
        assertThat(flags.exposedAddress()).isEqualTo("rels://relay.example:443/relay");
        RelaySettings oz = relay(Map.of("OZ_AUTH_SECRET", "s2", "OZ_EXPOSED_ADDRESS", "relay.example:80"));
        assertThat(oz.authSecret()).isEqualTo("s2");
        assertThat(oz.exposedAddress()).isEqualTo("relay.example:80");
        RelaySettings ours = relay(Map.of("SWITCHBOARD_RELAY_AUTH_SECRET", "s3", "OZ_AUTH_SECRET", "s2",
                "SWITCHBOARD_RELAY_HEALTH_INTERVAL", "10", "SWITCHBOARD_RELAY_ALLOW_UNBOUND_TOKENS", "yes"));
        assertThat(ours.authSecret()).as("Switchboard's variable first").isEqualTo("s3");
        assertThat(ours.healthInterval()).isEqualTo(Duration.ofSeconds(10));
        assertThat(ours.allowUnboundTokens()).isTrue();
    }

    @Test
    void badValuesAreOneLineErrorsNamingTheOption() {
        assertThatThrownBy(() -> relay(Map.of(), "--auth-secret", "s", "--exposed-address", "https://relay.example"))
                .hasMessageContaining("--relay-exposed-address").hasMessageContaining("rel or rels");
        assertThatThrownBy(() -> relay(Map.of(), "--relay-health-interval", "0")).hasMessageContaining("--relay-health-interval");
    }
}
