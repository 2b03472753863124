package dev.switchboard.protocol.relay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class RelayInstanceUrlTest {
    @Test
    void anAddressWithoutASchemeGainsRelOrRelsByTls() throws Exception {
        assertThat(RelayInstanceUrl.fromExposedAddress("relay.example.com:443", true)).isEqualTo("rels://relay.example.com:443");
        assertThat(RelayInstanceUrl.fromExposedAddress("10.0.0.5:33080", false)).isEqualTo("rel://10.0.0.5:33080");
    }

    @Test
    void anExplicitSchemeWinsSoRelsCanBeDeclaredBehindATlsProxy() throws Exception {
        assertThat(RelayInstanceUrl.fromExposedAddress("rels://relay.example.com:443/relay", false))
                .isEqualTo("rels://relay.example.com:443/relay");
    }

    @Test
    void anotherSchemeOrNoHostIsRefused() {
        assertThatThrownBy(() -> RelayInstanceUrl.fromExposedAddress("https://relay.example.com", true))
                .isInstanceOfSatisfying(RelayProtocolException.class,
                        e -> assertThat(e.reason()).isEqualTo(RelayProtocolException.Reason.BAD_INSTANCE_URL));
        assertThatThrownBy(() -> RelayInstanceUrl.check("rel://")).isInstanceOf(RelayProtocolException.class);
        assertThatThrownBy(() -> RelayInstanceUrl.check("rel://bad host")).isInstanceOf(RelayProtocolException.class);
    }
}
