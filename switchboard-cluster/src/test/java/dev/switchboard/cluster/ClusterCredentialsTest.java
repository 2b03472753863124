package dev.switchboard.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.switchboard.cluster.testing.EtcdServer;
import dev.switchboard.cluster.testing.ExternalServer;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The NATS credentials of the cluster settings reach the server: a node with the right user and
 * password, or the right token, connects; one with wrong or missing credentials does not start.
 */
class ClusterCredentialsTest {
    private static GuardedNats withPassword;
    private static GuardedNats withToken;
    private static EtcdServer etcd;

    @BeforeAll
    static void startEngines() {
        withPassword = new GuardedNats("--user", "sb", "--pass", "s3cret-pass");
        withPassword.start();
        withToken = new GuardedNats("--auth", "s3cret-token");
        withToken.start();
        etcd = EtcdServer.started();
    }

    @AfterAll
    static void stopEngines() {
        if (withPassword != null) withPassword.close();
        if (withToken != null) withToken.close();
        if (etcd != null) etcd.close();
    }

    @Test
    void theRightUserAndPasswordOrTokenConnect() throws Exception {
        for (ClusterSettings.Nats nats : List.of(
                new ClusterSettings.Nats(List.of(withPassword.url()), null, "sb", "s3cret-pass", null, null),
                new ClusterSettings.Nats(List.of(withToken.url()), null, null, null, "s3cret-token", null))) {
            try (ClusterEngines engines = ClusterEngines.connect(settings(nats))) {
                assertThat(engines.connections().nats().getStatus()).isEqualTo(io.nats.client.Connection.Status.CONNECTED);
                assertThat(engines.health().nats().up()).isTrue();
            }
        }
    }

    @Test
    void wrongOrMissingCredentialsStopTheStart() {
        for (ClusterSettings.Nats nats : List.of(
                new ClusterSettings.Nats(List.of(withPassword.url()), null, "sb", "wrong", null, null),
                ClusterSettings.Nats.plain(List.of(withPassword.url())),
                new ClusterSettings.Nats(List.of(withToken.url()), null, null, null, "wrong", null))) {
            assertThatThrownBy(() -> ClusterEngines.connect(settings(nats)).close())
                    .isInstanceOf(IOException.class).hasMessageContaining("Authorization");
        }
    }

    private static ClusterSettings settings(ClusterSettings.Nats nats) {
        return new ClusterSettings("creds-node", "127.0.0.1:0", "switchboard", nats,
                ClusterSettings.Etcd.plain(List.of(etcd.url())), Duration.ofSeconds(2), Duration.ofSeconds(1), Duration.ofSeconds(1),
                ClusterSettings.Engines.defaults());
    }

    /** Debian's nats-server requiring credentials. */
    private static final class GuardedNats extends ExternalServer {
        private final int port = freePorts(1)[0];
        private final List<String> auth;

        GuardedNats(String... auth) {
            super("nats-auth");
            this.auth = List.of(auth);
        }

        @Override
        protected List<String> command(Path dataDir) {
            List<String> command = new ArrayList<>(List.of(binary("nats-server", "nats-server"), "-a", "127.0.0.1",
                    "-p", Integer.toString(port)));
            command.addAll(auth);
            return command;
        }

        @Override
        protected int readyPort() {
            return port;
        }

        String url() {
            return "nats://127.0.0.1:" + port;
        }
    }
}
