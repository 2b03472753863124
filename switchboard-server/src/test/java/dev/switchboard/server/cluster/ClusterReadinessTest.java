package dev.switchboard.server.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.switchboard.cluster.testing.QuickPolls;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Three nodes on one nats-server and one etcd, each its own process: they report ready, report not
 * ready with the reason while NATS or etcd is down and ready again once it is back, and a node
 * killed with SIGKILL leaves the others ready. Each test leaves the cluster as it found it.
 */
@ExtendWith(QuickPolls.class)
class ClusterReadinessTest {
    private static final Duration OUTAGE_SEEN = Duration.ofSeconds(10);
    private static final Duration RECOVERED = Duration.ofSeconds(20);
    private static ClusterHarness cluster;

    @BeforeAll
    static void startCluster() {
        cluster = ClusterHarness.started(3);
    }

    @AfterAll
    static void stopCluster() {
        if (cluster != null) cluster.close();
    }

    @Test
    void threeClusteredNodesReportReadyWithBothEnginesUp() throws Exception {
        for (int i = 0; i < 3; i++) {
            assertThat(cluster.ready(i)).isEqualTo(new ClusterHarness.Ready(200, "{\"status\":\"ok\"}"));
            String metrics = cluster.metrics(i);
            assertThat(sample(metrics, "switchboard_cluster_engine_up", "nats")).isEqualTo(1);
            assertThat(sample(metrics, "switchboard_cluster_engine_up", "etcd")).isEqualTo(1);
            assertThat(sample(metrics, "switchboard_cluster_round_trips_total", "etcd")).isPositive();
            assertThat(sample(metrics, "dflockd_ready", null)).isEqualTo(1);
        }
    }

    @Test
    void aStoppedNatsServerMakesEveryNodeNotReadyUntilItIsBack() throws Exception {
        double reconnectsBefore = sample(cluster.metrics(0), "switchboard_cluster_reconnects_total", "nats");
        cluster.nats().stop();
        try {
            awaitEveryNode(OUTAGE_SEEN, r -> r.status() == 503 && r.body().contains("\"status\":\"cluster_unavailable\"")
                    && r.body().contains("nats unreachable"));
            assertThat(sample(cluster.metrics(0), "switchboard_cluster_engine_up", "nats")).isZero();
            assertThat(sample(cluster.metrics(0), "dflockd_ready", null)).isZero();
        } finally {
            cluster.nats().start();
        }
        awaitEveryNode(RECOVERED, r -> r.status() == 200);
        assertThat(sample(cluster.metrics(0), "switchboard_cluster_reconnects_total", "nats")).isGreaterThan(reconnectsBefore);
        assertThat(sample(cluster.metrics(0), "switchboard_cluster_engine_up", "nats")).isEqualTo(1);
    }

    @Test
    void aStoppedEtcdMakesEveryNodeNotReadyUntilItIsBack() throws Exception {
        double errorsBefore = sample(cluster.metrics(1), "switchboard_cluster_errors_total", "etcd");
        double reconnectsBefore = sample(cluster.metrics(1), "switchboard_cluster_reconnects_total", "etcd");
        cluster.etcd().stop();
        try {
            awaitEveryNode(OUTAGE_SEEN, r -> r.status() == 503 && r.body().contains("\"status\":\"cluster_unavailable\"")
                    && r.body().contains("etcd unreachable"));
            assertThat(sample(cluster.metrics(1), "switchboard_cluster_engine_up", "etcd")).isZero();
            assertThat(sample(cluster.metrics(1), "switchboard_cluster_errors_total", "etcd")).isGreaterThan(errorsBefore);
        } finally {
            cluster.etcd().start();
        }
        awaitEveryNode(RECOVERED, r -> r.status() == 200);
        assertThat(sample(cluster.metrics(1), "switchboard_cluster_reconnects_total", "etcd")).isGreaterThan(reconnectsBefore);
    }

    @Test
    void aNodeKilledWithSigkillLeavesTheOthersReadyAndComesBack() {
        cluster.kill(2);
        assertThat(cluster.running(2)).isFalse();
        assertThat(cluster.ready(2).status()).as("a killed node answers nothing").isZero();
        // The survivors keep serving through the loss, and still are a moment later.
        await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(3)).pollInterval(Duration.ofMillis(100))
                .until(() -> cluster.ready(0).status() == 200 && cluster.ready(1).status() == 200);
        cluster.start(2);
        assertThat(cluster.ready(2).status()).isEqualTo(200);
    }

    private static void awaitEveryNode(Duration atMost, java.util.function.Predicate<ClusterHarness.Ready> condition) {
        for (int i = 0; i < cluster.size(); i++) {
            int node = i;
            await("node " + node + " /ready").atMost(atMost).pollInterval(Duration.ofMillis(100))
                    .until(() -> cluster.ready(node), condition);
        }
    }

    /** A sample's value in a Prometheus scrape; {@code engine} null for a family without labels. */
    private static double sample(String scrape, String name, String engine) {
        String labels = engine == null ? "" : "\\{engine=\"" + engine + "\",?\\}";
        Matcher m = Pattern.compile("(?m)^" + name + labels + " (\\S+)$").matcher(scrape);
        assertThat(m.find()).as(name + " " + engine + " in:\n" + scrape).isTrue();
        return Double.parseDouble(m.group(1));
    }
}
