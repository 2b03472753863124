package dev.switchboard.cluster.etcd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.switchboard.cluster.ClusterConnections;
import dev.switchboard.cluster.testing.EtcdServer;
import dev.switchboard.cluster.testing.NatsServer;
import dev.switchboard.cluster.testing.SharedEngines;
import dev.switchboard.core.session.store.SessionKeys;
import dev.switchboard.core.session.store.SessionRecord;
import dev.switchboard.core.session.store.SubscriptionRecord;
import io.etcd.jetcd.ByteSequence;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The cluster's session records on a real etcd: what a record keeps, that a node never overwrites
 * a session another node has taken, and that a dead node's records go once the grace has passed.
 */
class EtcdSessionRecordsTest {
    private static final AtomicInteger PREFIXES = new AtomicInteger();
    private static final Duration CALL_TIMEOUT = Duration.ofSeconds(5);
    private static NatsServer nats;
    private static EtcdServer etcd;

    private final String prefix = "sessions" + PREFIXES.incrementAndGet();
    private final List<AutoCloseable> open = new ArrayList<>();

    @BeforeAll
    static void startServers() {
        nats = SharedEngines.nats();
        etcd = SharedEngines.etcd();
    }

    @AfterEach
    void closeNodes() throws Exception {
        for (int i = open.size() - 1; i >= 0; i--) open.get(i).close();
    }

    private ClusterConnections connections(String nodeId) throws Exception {
        ClusterConnections c = ClusterConnections.connect(nodeId, List.of(nats.url()), List.of(etcd.url()), CALL_TIMEOUT);
        open.add(c);
        return c;
    }

    private EtcdSessionRecords node(String nodeId, long graceMs) throws Exception {
        EtcdSessionRecords r = new EtcdSessionRecords(connections(nodeId), prefix, graceMs, CALL_TIMEOUT);
        open.add(r);
        return r;
    }

    private static SessionRecord record(String id) {
        Map<String, String> attributes = new LinkedHashMap<>();
        attributes.put("user", "ada");
        return new SessionRecord(id, SessionKeys.verifier("the-key-of-" + id), attributes,
                List.of(SubscriptionRecord.of("orders.>"), new SubscriptionRecord("jobs.*", "workers")),
                1_000, 2_000, 17, List.of("lock:door"), "native");
    }

    @Test
    void aSavedRecordIsFoundWithItsNodeAndWithoutTheKey() throws Exception {
        EtcdSessionRecords a = node("node-a", 30_000);
        SessionRecord r = record("s1");
        long revision = a.save(r, 0);

        EtcdSessionRecords.Placed found = node("node-b", 30_000).find("s1").orElseThrow();
        assertThat(found.node()).isEqualTo("node-a");
        assertThat(found.record()).isEqualTo(r);
        assertThat(found.modRevision()).isEqualTo(revision);
        String raw = new String(raw("s1"), StandardCharsets.UTF_8);
        assertThat(raw).contains(r.resumeKeyVerifier()).doesNotContain("the-key-of-s1");
        assertThat(a.find("nobody")).isEmpty();
    }

    @Test
    void aNodeNeverOverwritesOrDeletesASessionAnotherNodeHasTaken() throws Exception {
        EtcdSessionRecords a = node("node-a", 30_000);
        EtcdSessionRecords b = node("node-b", 30_000);
        long written = a.save(record("s2"), 0);
        long taken = b.take(record("s2").withLastSeq(99));

        assertThat(a.save(record("s2").withLastSeq(18), written)).as("node-a's stale write").isEqualTo(-1);
        assertThat(a.remove("s2", written)).as("node-a's stale delete").isFalse();
        EtcdSessionRecords.Placed now = a.find("s2").orElseThrow();
        assertThat(now.node()).isEqualTo("node-b");
        assertThat(now.record().lastSeq()).isEqualTo(99);
        assertThat(b.remove("s2", taken)).isTrue();
        assertThat(a.find("s2")).isEmpty();
    }

    @Test
    void aNodeRewritesItsOwnRecordWhateverRevisionItRemembers() throws Exception {
        EtcdSessionRecords a = node("node-a", 30_000);
        a.save(record("s3"), 0);
        // After a lost lease or a restart the node remembers nothing: its own record is still its own.
        long again = a.save(record("s3").withLastSeq(40), 0);
        assertThat(again).isPositive();
        assertThat(a.find("s3").orElseThrow().record().lastSeq()).isEqualTo(40);
    }

    @Test
    void whatIsNotARecordIsNoRecord() throws Exception {
        EtcdSessionRecords a = node("node-a", 30_000);
        etcdKv().put(ByteSequence.from(a.key("junk"), StandardCharsets.UTF_8), ByteSequence.from("{\"node\":1}", StandardCharsets.UTF_8))
                .get(5, TimeUnit.SECONDS);
        assertThat(a.find("junk")).isEmpty();
    }

    @Test
    void aDeadNodesRecordsLastAtLeastTheGraceThenGo() throws Exception {
        EtcdSessionRecords dying = node("node-d", 2_000);
        assertThat(dying.ttlSeconds()).isEqualTo(3);
        dying.save(record("s4"), 0);
        long diedAt = System.nanoTime();
        dying.close(); // stops keeping the lease alive, as a killed node would

        await("record gone").atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100))
                .until(() -> raw("s4") == null);
        assertThat(System.nanoTime() - diedAt).as("it outlived the grace").isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(1_900));
    }

    @Test
    void theLeaseIsOneAndAHalfGracesInWholeSeconds() {
        assertThat(EtcdSessionRecords.ttlSeconds(30_000)).isEqualTo(45);
        assertThat(EtcdSessionRecords.ttlSeconds(4_000)).isEqualTo(6);
        assertThat(EtcdSessionRecords.ttlSeconds(1_500)).isEqualTo(3);
        assertThat(EtcdSessionRecords.ttlSeconds(0)).isEqualTo(1);
    }

    /** etcd read directly, as an operator would. */
    private io.etcd.jetcd.KV etcdKv() {
        if (direct == null) {
            direct = io.etcd.jetcd.Client.builder().endpoints(etcd.url()).build();
            open.add(direct);
        }
        return direct.getKVClient();
    }

    private io.etcd.jetcd.Client direct;

    private byte[] raw(String id) throws Exception {
        var kvs = etcdKv().get(ByteSequence.from("/" + prefix + "/sessions/" + id, StandardCharsets.UTF_8))
                .get(5, TimeUnit.SECONDS).getKvs();
        return kvs.isEmpty() ? null : kvs.get(0).getValue().getBytes();
    }
}
