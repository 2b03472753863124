package dev.switchboard.bench.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.bench.ServerAddress;
import dev.switchboard.server.cluster.ClusterHarness;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.options.GetOption;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.io.StringWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A short chaos soak against three clustered nodes (separate processes on one nats-server and one
 * etcd), with NATS and etcd each killed with SIGKILL and started again at random moments while the
 * clients lock, wait in two phases, use semaphores and get cut: no two holders overlap on any node,
 * fences (etcd revisions) grow per key across the nodes, every request gets an explicit outcome
 * (answers or refusals with a code, none left unanswered past its deadline + margin), and nothing
 * is left on any node afterwards but the stale waiting keys of a known engine bug (see below).
 */
class ClusterChaosSoakTest {
    /** 20 s in the build; the longer run in docs/benchmarks.md sets {@code -Dchaos.cluster.seconds=180 -Dchaos.cluster.restarts=3}. */
    private static final long SECONDS = Long.getLong("chaos.cluster.seconds", 20);
    private static final int RESTARTS = Integer.getInteger("chaos.cluster.restarts", 1);
    static {
        // The harness's HttpClient keeps its /ready connection to each node open for 20 minutes by
        // default; the soak's check that nothing is left on a node counts open HTTP connections.
        System.setProperty("jdk.httpclient.keepalive.timeout", "1");
    }

    /** What etcd still holds under the lock prefix, for a failure message. */
    private static String lockKeysInEtcd(ClusterHarness cluster) {
        try (Client etcd = Client.builder().endpoints(cluster.etcd().url()).build()) {
            ByteSequence prefix = ByteSequence.from("/switchboard/", StandardCharsets.UTF_8);
            StringBuilder out = new StringBuilder("keys in etcd:\n");
            for (KeyValue kv : etcd.getKVClient().get(prefix, GetOption.builder().isPrefix(true).build()).get(10, TimeUnit.SECONDS).getKvs()) {
                out.append("  ").append(kv.getKey().toString(StandardCharsets.UTF_8)).append(" = ")
                        .append(kv.getValue().toString(StandardCharsets.UTF_8)).append(" (lease ")
                        .append(Long.toHexString(kv.getLease())).append(", created ").append(kv.getCreateRevision()).append(")\n");
            }
            return out.toString();
        } catch (Exception e) {
            return "keys in etcd could not be read: " + e;
        }
    }

    @Test
    @Timeout(900) // the soak bounds itself (its clients, restarts and settling); this only backs that up
    void nodesKeepExclusionAndAnswerEveryRequestWhileNatsAndEtcdRestart() throws InterruptedException {
        try (ClusterHarness cluster = ClusterHarness.started(3, "--session-grace", "3", "--http-session-idle-timeout", "5",
                "--lease-sweep-interval", "1", "--gc-interval", "1", "--gc-max-idle", "1")) {
            List<ServerAddress> nodes = new ArrayList<>();
            for (int i = 0; i < cluster.size(); i++) nodes.add(new ServerAddress("127.0.0.1", cluster.port(i)));
            ChaosSettings settings = new ChaosSettings(nodes, Duration.ofSeconds(SECONDS), 18, 3, 2, 3, 250, 0.1, 10, 11,
                    Duration.ofSeconds(30), Duration.ofSeconds(15));
            List<Disruption> restarts = new ArrayList<>();
            for (int i = 0; i < RESTARTS; i++) {
                restarts.add(new Disruption("NATS restart (SIGKILL)", () -> {
                    cluster.nats().kill();
                    cluster.nats().start();
                }));
                restarts.add(new Disruption("etcd restart (SIGKILL)", () -> {
                    cluster.etcd().kill();
                    cluster.etcd().start();
                }));
            }

            ChaosReport report = new ChaosSoak(settings, restarts).run();

            StringWriter printed = new StringWriter();
            report.print(new PrintWriter(printed, true));
            String summary = printed.toString() + (report.residue().clean() ? "" : lockKeysInEtcd(cluster));
            System.out.println(settings.describe() + System.lineSeparator() + summary);
            assertThat(report.disruptions()).as(summary).hasSize(2 * RESTARTS);
            assertThat(report.verdict().violations()).as(summary).isZero();
            assertThat(report.unanswered()).as(summary).isZero();
            assertThat(report.counts().get(Op.UNEXPECTED)).as(summary).isZero();
            // Nothing is left on any node: also no slot read held through a stale waiting key in etcd
            // (docs/benchmarks.md "Chaos soak on a cluster"; EtcdStaleWaitingKeyTest).
            assertThat(report.residue().leftovers()).as(summary).isEmpty();
            // Counts a loaded 2-core machine still reaches in 20 s (a few hundred operations at the least).
            for (Op op : new Op[] {Op.LOCK_ACQUIRED, Op.SEM_ACQUIRED, Op.ENQUEUE_QUEUED, Op.WAIT_GRANTED, Op.RELEASED,
                    Op.PUBLISH, Op.RESUMED}) {
                assertThat(report.counts().get(op)).as(op.label() + " in%n%s", summary).isPositive();
            }
            assertThat(report.counts().get(Op.CUT_MID_WAIT) + report.counts().get(Op.CUT_MID_HOLD)).as(summary).isPositive();
            assertThat(report.grants()).as(summary).isGreaterThan(30);
        }
    }
}
