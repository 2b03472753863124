package dev.switchboard.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.cluster.testing.EtcdServer;
import java.net.URI;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The cluster baseline, etcd's own lock API driven directly, against Debian's etcd on free loopback
 * ports (installed by .ci/run, as for the cluster's own tests).
 */
class EtcdLockBaselineTest {
    private static EtcdServer etcd;
    private static String endpoint;

    @BeforeAll
    static void startEtcd() {
        etcd = EtcdServer.started();
        URI url = URI.create(etcd.url());
        endpoint = url.getHost() + ":" + url.getPort();
    }

    @AfterAll
    static void stopEtcd() {
        if (etcd != null) {
            etcd.close();
        }
    }

    @Test
    void everyWorkerCompletesEveryCycleOnItsOwnKey() {
        BenchRun run = BenchRun.of("locks", "--protocol", "etcd", "--servers", endpoint, "--workers", "3", "--rounds", "20",
                "--warmup", "2", "--key", "etcd-unique");

        assertThat(run.exitCode()).as(run.output() + run.errors()).isZero();
        assertThat(run.output()).contains("protocol=etcd", "errors:     0", "timeouts:   0");
        assertThat(run.number("total ops")).isEqualTo(60);
    }

    @Test
    void workersContendingOnOneKeyEachGetItInTurn() {
        // Etcd queues the waiters (by create revision): every worker gets the key 20 times within the timeout.
        BenchRun run = BenchRun.of("locks", "--protocol", "etcd", "--servers", endpoint, "--workers", "3", "--rounds", "20",
                "--warmup", "2", "--key", "etcd-shared", "--shared-key", "--timeout", "20");

        assertThat(run.exitCode()).as(run.output() + run.errors()).isZero();
        assertThat(run.output()).contains("shared-key=true", "errors:     0", "timeouts:   0");
        assertThat(run.number("total ops")).isEqualTo(60);
    }

    @Test
    void anEtcdThatIsNotThereFailsTheRun() {
        BenchRun run = BenchRun.of("locks", "--protocol", "etcd", "--servers", "127.0.0.1:1", "--workers", "1", "--rounds", "1",
                "--warmup", "0", "--connect-timeout", "1", "--timeout", "1", "--duration-limit", "20");

        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.output()).contains("total ops:  0", "first error:");
    }

    @Test
    void tryOnceIsRefusedForEtcd() {
        BenchRun run = BenchRun.of("locks", "--protocol", "etcd", "--timeout", "0");

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.errors()).contains("--protocol etcd waits at least 1 s");
    }
}
