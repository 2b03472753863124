package dev.switchboard.server.dflockd;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * {@link SemaphoreTest} against a clustered node: the dflockd answers are the same on a cluster,
 * but for one (docs/cluster.md, "Locks on etcd", Limits).
 */
class ClusteredSemaphoreTest extends SemaphoreTest implements SharedServer.Clustered {
    /**
     * etcd keeps a key's limit while someone holds or queues; dflockd keeps it until the idle key
     * is collected. So on a cluster node a new limit is refused while the key is in use and taken
     * once it is idle.
     */
    @Override
    @Test
    @DisplayName("cluster: the limit holds while the key is held or queued, and an idle key takes a new one")
    void limitSticksWhileIdle() {
        try (LineClient a = LineClient.connect(sb, "A")) {
            String t = a.grant("sl", "sem-sticky", "0 3", "ok", 33);
            assertThat(a.call("sl", "sem-sticky", "0 5")).isEqualTo("error_limit_mismatch");
            assertThat(a.call("se", "sem-sticky", "4")).isEqualTo("error_limit_mismatch");
            assertThat(a.call("sr", "sem-sticky", t)).isEqualTo("ok");
            assertThat(a.call("sr", "sem-sticky", a.grant("sl", "sem-sticky", "0 5", "ok", 33))).isEqualTo("ok");
        }
    }
}
