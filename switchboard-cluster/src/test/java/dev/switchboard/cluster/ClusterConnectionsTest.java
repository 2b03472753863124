package dev.switchboard.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.cluster.testing.EtcdServer;
import dev.switchboard.cluster.testing.NatsServer;
import io.etcd.jetcd.ByteSequence;
import io.nats.client.Message;
import io.nats.client.Subscription;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The node reaches both engines, started by the test on free loopback ports. */
class ClusterConnectionsTest {
    private static NatsServer nats;
    private static EtcdServer etcd;

    @BeforeAll
    static void startEngines() {
        nats = NatsServer.started();
        etcd = EtcdServer.started();
    }

    @AfterAll
    static void stopEngines() {
        if (nats != null) nats.close();
        if (etcd != null) etcd.close();
    }

    @Test
    void publishesOnNatsAndWritesToEtcd() throws Exception {
        try (ClusterConnections c = ClusterConnections.connect("n1", List.of(nats.url()), List.of(etcd.url()),
                Duration.ofSeconds(5))) {
            Subscription sub = c.nats().subscribe("sb.test");
            c.nats().publish("sb.test", "hello".getBytes(StandardCharsets.UTF_8));
            Message m = sub.nextMessage(Duration.ofSeconds(5));
            assertThat(new String(m.getData(), StandardCharsets.UTF_8)).isEqualTo("hello");

            ByteSequence key = ByteSequence.from("/sb/test", StandardCharsets.UTF_8);
            c.etcd().getKVClient().put(key, ByteSequence.from("v", StandardCharsets.UTF_8)).get(10, TimeUnit.SECONDS);
            var got = c.etcd().getKVClient().get(key).get(10, TimeUnit.SECONDS);
            assertThat(got.getKvs()).hasSize(1);
            assertThat(got.getKvs().get(0).getValue().toString(StandardCharsets.UTF_8)).isEqualTo("v");
            assertThat(c.nodeId()).isEqualTo("n1");
        }
    }
}
