package dev.switchboard.server.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.switchboard.cluster.ClusterSettings;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The cluster options: both engines or neither, their defaults, credentials, and SWITCHBOARD_* variables. */
class ClusterOptionsTest {
    private static ClusterSettings cluster(Map<String, String> env, String... args) {
        var cl = Main.commandLine(env);
        cl.parseArgs(args);
        return ((Main) cl.getCommand()).toConfig().cluster();
    }

    @Test
    void withoutClusterOptionsTheNodeRunsAlone() {
        assertThat(cluster(Map.of())).isNull();
        assertThat(cluster(Map.of(), "--node-id", "n1", "--cluster-prefix", "other")).isNull();
    }

    @Test
    void bothEnginesMakeAClusterWithDefaultsForTheRest() throws Exception {
        ClusterSettings c = cluster(Map.of(), "--port", "7001", "--cluster-nats", "nats://10.0.0.1:4222,nats://10.0.0.2:4222",
                "--cluster-etcd", "http://10.0.0.1:2379");
        assertThat(c.nats().urls()).containsExactly("nats://10.0.0.1:4222", "nats://10.0.0.2:4222");
        assertThat(c.etcd().urls()).containsExactly("http://10.0.0.1:2379");
        assertThat(c.prefix()).isEqualTo("switchboard");
        assertThat(c.nodeId()).isEqualTo(java.net.InetAddress.getLocalHost().getHostName() + "-7001");
        assertThat(c.advertiseAddress()).isEqualTo("127.0.0.1:7001");
        assertThat(c.signalCountWait()).isEqualTo(java.time.Duration.ofMillis(50));
        assertThat(c.toString()).doesNotContain("password");
    }

    @Test
    void everyClusterOptionComesFromItsSwitchboardVariable() {
        ClusterSettings c = cluster(Map.ofEntries(
                Map.entry("SWITCHBOARD_CLUSTER_NATS", "tls://nats.internal:4222"),
                Map.entry("SWITCHBOARD_CLUSTER_ETCD", "https://etcd.internal:2379"),
                Map.entry("SWITCHBOARD_NODE_ID", "node-a"),
                Map.entry("SWITCHBOARD_ADVERTISE_ADDRESS", "10.0.0.5:6388"),
                Map.entry("SWITCHBOARD_CLUSTER_PREFIX", "staging"),
                Map.entry("SWITCHBOARD_CLUSTER_SIGNAL_COUNT_WAIT", "120"),
                Map.entry("SWITCHBOARD_CLUSTER_NATS_USER", "sb"),
                Map.entry("SWITCHBOARD_CLUSTER_NATS_PASSWORD", "nats-secret"),
                Map.entry("SWITCHBOARD_CLUSTER_NATS_TLS_CA", "/etc/ssl/nats-ca.pem"),
                Map.entry("SWITCHBOARD_CLUSTER_ETCD_USER", "root"),
                Map.entry("SWITCHBOARD_CLUSTER_ETCD_PASSWORD", "etcd-secret"),
                Map.entry("SWITCHBOARD_CLUSTER_ETCD_TLS_CA", "/etc/ssl/etcd-ca.pem")));
        assertThat(c.nodeId()).isEqualTo("node-a");
        assertThat(c.advertiseAddress()).isEqualTo("10.0.0.5:6388");
        assertThat(c.prefix()).isEqualTo("staging");
        assertThat(c.signalCountWait()).isEqualTo(java.time.Duration.ofMillis(120));
        assertThat(c.nats()).isEqualTo(new ClusterSettings.Nats(List.of("tls://nats.internal:4222"), null, "sb", "nats-secret",
                null, Path.of("/etc/ssl/nats-ca.pem")));
        assertThat(c.etcd()).isEqualTo(new ClusterSettings.Etcd(List.of("https://etcd.internal:2379"), "root", "etcd-secret",
                Path.of("/etc/ssl/etcd-ca.pem")));
        assertThat(c.toString()).doesNotContain("secret");
    }

    @Test
    void oneEngineWithoutTheOtherStopsTheServerWithAClearError() {
        StringWriter err = new StringWriter();
        int code = Main.run(new String[] {"--port", "0", "--cluster-nats", "nats://127.0.0.1:4222"}, Map.of(),
                new PrintWriter(new StringWriter()), new PrintWriter(err, true));
        assertThat(code).isEqualTo(2);
        assertThat(err.toString()).contains("invalid setting: --cluster-nats and --cluster-etcd must be set together")
                .contains("--cluster-etcd is not");
        assertThatThrownBy(() -> cluster(Map.of("SWITCHBOARD_CLUSTER_ETCD", "http://127.0.0.1:2379")))
                .hasMessageContaining("--cluster-etcd is set, --cluster-nats is not");
    }

    @Test
    void conflictingCredentialsAndBadPrefixesAreRefused() {
        String[] cluster = {"--cluster-nats", "nats://127.0.0.1:4222", "--cluster-etcd", "http://127.0.0.1:2379"};
        assertThatThrownBy(() -> cluster(Map.of(), concat(cluster, "--cluster-nats-token", "t", "--cluster-nats-user", "u",
                "--cluster-nats-password", "p"))).hasMessageContaining("one NATS credential");
        assertThatThrownBy(() -> cluster(Map.of(), concat(cluster, "--cluster-etcd-user", "u")))
                .hasMessageContaining("an etcd user needs a password");
        assertThatThrownBy(() -> cluster(Map.of(), concat(cluster, "--cluster-prefix", "a.b")))
                .hasMessageContaining("cluster prefix 'a.b'");
        assertThatThrownBy(() -> cluster(Map.of(), concat(cluster, "--cluster-signal-count-wait", "5001")))
                .hasMessageContaining("--cluster-signal-count-wait must be between 0 and 5000");
        assertThatThrownBy(() -> cluster(Map.of(), concat(cluster, "--cluster-signal-count-wait", "-1")))
                .hasMessageContaining("--cluster-signal-count-wait must be between 0 and 5000");
    }

    @Test
    void aNatsServerThatDoesNotAnswerStopsTheStartWithExitCode1() throws Exception {
        int closedPort;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            closedPort = s.getLocalPort();
        }
        StringWriter err = new StringWriter();
        int code = Main.run(new String[] {"--port", "0", "--cluster-connect-timeout", "1",
                "--cluster-nats", "nats://127.0.0.1:" + closedPort, "--cluster-etcd", "http://127.0.0.1:" + closedPort},
                Map.of(), new PrintWriter(new StringWriter()), new PrintWriter(err, true));
        assertThat(code).isEqualTo(1);
        assertThat(err.toString()).contains("cannot start: cannot reach NATS at [nats://127.0.0.1:" + closedPort + "]");
    }

    private static String[] concat(String[] a, String... b) {
        String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
