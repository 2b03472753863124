package dev.switchboard.server.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.switchboard.server.cluster.SessionsAcrossNodesTest.Line;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KeyValue;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Three node processes: a session that resumes on another node keeps the locks etcd still grants
 * it — after a live node hands it over, and after its node is killed with SIGKILL — with the same
 * token (renew and release work with it, nobody else gets the lock meanwhile, the next holder's
 * fence is greater); a lock whose lease ran out before the resume is reported lost. The tests run
 * in order: the first needs nodes 1 and 2 alive, the second kills node 0, the third node 2.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class LocksAcrossResumeTest {
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static ClusterHarness cluster;
    private static Client etcd;

    @BeforeAll
    static void startCluster() {
        cluster = ClusterHarness.started(3, "--session-grace", "20");
        etcd = Client.builder().endpoints(cluster.etcd().url()).build();
    }

    @AfterAll
    static void stopCluster() {
        if (etcd != null) etcd.close();
        if (cluster != null) cluster.close();
    }

    @Test
    @Order(1)
    void aSessionMovedToAnotherLiveNodeKeepsItsLock() throws Exception {
        Line first = new Line(cluster.port(2));
        JsonNode welcome = first.hello(null);
        String session = welcome.path("session").asString();
        String token = acquire(first, "gate", 20_000);
        awaitRecordedHolding(session, "lock:gate");

        try (Line moved = new Line(cluster.port(1))) {
            JsonNode back = moved.hello(resume(session, welcome.path("resume_key").asString()));
            assertThat(back.path("resumed").asBoolean()).isTrue();
            assertThat(first.nextEvent(e -> "error".equals(e.path("op").asString())).path("error").path("code").asString())
                    .isEqualTo("session_closed");
            assertStillHeldThenHandedOn(moved, "gate", token, 0);
        } finally {
            first.close();
        }
    }

    @Test
    @Order(2)
    void aSessionWhoseNodeIsKilledKeepsItsLockOnTheNodeItResumesOn() throws Exception {
        Line client = new Line(cluster.port(0));
        JsonNode welcome = client.hello(null);
        String session = welcome.path("session").asString();
        String token = acquire(client, "door", 20_000);
        awaitRecordedHolding(session, "lock:door");

        cluster.kill(0);
        client.close();

        try (Line resumed = new Line(cluster.port(1))) {
            JsonNode back = resumed.hello(resume(session, welcome.path("resume_key").asString()));
            assertThat(back.path("resumed").asBoolean()).isTrue();
            assertThat(back.path("recovered").asBoolean()).isFalse();
            assertStillHeldThenHandedOn(resumed, "door", token, 2);
        }
    }

    @Test
    @Order(3)
    void aLockWhoseLeaseRanOutBeforeTheResumeIsReportedLost() throws Exception {
        Line client = new Line(cluster.port(2));
        JsonNode welcome = client.hello(null);
        String session = welcome.path("session").asString();
        acquire(client, "latch", 5_000); // 6 s in etcd
        awaitRecordedHolding(session, "lock:latch");

        cluster.kill(2);
        client.close();
        // Nobody renews it: once etcd's lease runs out another client gets the lock.
        try (Line other = new Line(cluster.port(1))) {
            other.hello(null);
            // Try-locks (the client's socket reads time out after 5 s, sooner than etcd's lease ends).
            JsonNode[] got = new JsonNode[1];
            int[] id = {100};
            await("latch free").atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(100)).until(() -> {
                int n = id[0]++;
                got[0] = other.request("{\"op\":\"lock.acquire\",\"id\":" + n
                        + ",\"key\":\"latch\",\"timeout_ms\":0,\"lease_ms\":30000}", n);
                return "acquired".equals(got[0].path("result").path("status").asString());
            });
            JsonNode next = got[0];

            try (Line resumed = new Line(cluster.port(1))) {
                JsonNode back = resumed.hello(resume(session, welcome.path("resume_key").asString()));
                assertThat(back.path("resumed").asBoolean()).isTrue();
                JsonNode lost = resumed.nextEvent(e -> "lock.lost".equals(e.path("op").asString()));
                assertThat(lost.path("key").asString()).isEqualTo("latch");
                assertThat(lost.path("reason").asString()).isEqualTo("server_restart");
            }
            // The other client's grant is untouched by the resume.
            JsonNode renewed = other.request("{\"op\":\"lock.renew\",\"id\":3,\"key\":\"latch\",\"token\":\""
                    + next.path("result").path("token").asString() + "\",\"lease_ms\":30000}", 3);
            assertThat(renewed.path("result").path("lease_ms").asLong()).as(renewed.toString()).isEqualTo(30_000);
        }
    }

    /**
     * On the resumed connection: no {@code lock.lost}, nobody on node {@code otherNode} gets the
     * lock, the original token renews and releases it, and the next holder's fence is greater.
     */
    private static void assertStillHeldThenHandedOn(Line resumed, String key, String token, int otherNode) throws Exception {
        JsonNode holder = holderInEtcd(key);
        assertThat(holder.path("node").asString()).as("the slot is the resuming node's now").isEqualTo("node-1");
        assertThat(holder.path("token").asString()).isEqualTo(token);
        JsonNode renewed = resumed.request("{\"op\":\"lock.renew\",\"id\":20,\"key\":\"" + key + "\",\"token\":\"" + token
                + "\",\"lease_ms\":20000}", 20);
        assertThat(renewed.path("result").path("lease_ms").asLong()).as(renewed.toString()).isEqualTo(20_000);
        // A lock.lost would have come with the resume's backlog, before this reply.
        assertThat(resumed.pollEvent(e -> "lock.lost".equals(e.path("op").asString()), 1)).isNull();
        try (Line other = new Line(cluster.port(otherNode))) {
            other.hello(null);
            JsonNode tryLock = other.request("{\"op\":\"lock.acquire\",\"id\":2,\"key\":\"" + key + "\",\"timeout_ms\":0}", 2);
            assertThat(tryLock.path("result").path("status").asString()).isEqualTo("timeout");

            JsonNode released = resumed.request("{\"op\":\"lock.release\",\"id\":21,\"key\":\"" + key + "\",\"token\":\""
                    + token + "\"}", 21);
            assertThat(released.has("error")).as(released.toString()).isFalse();
            String next = acquire(other, key, 20_000);
            assertThat(Long.parseUnsignedLong(next.substring(0, 16), 16))
                    .isGreaterThan(Long.parseUnsignedLong(token.substring(0, 16), 16));
        }
    }

    private static String acquire(Line client, String key, long leaseMs) throws Exception {
        JsonNode lock = client.request("{\"op\":\"lock.acquire\",\"id\":9,\"key\":\"" + key
                + "\",\"timeout_ms\":10000,\"lease_ms\":" + leaseMs + "}", 9);
        assertThat(lock.path("result").path("status").asString()).as(lock.toString()).isEqualTo("acquired");
        return lock.path("result").path("token").asString();
    }

    /** Until the node has recorded in etcd that the session holds {@code held}, under its owner id there. */
    private static void awaitRecordedHolding(String session, String held) {
        await("record of " + held).atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100)).until(() -> {
            JsonNode r = record(session);
            return r != null && r.path("owner").asLong() != 0
                    && r.path("session").path("heldLocks").toString().contains("\"" + held + "\"");
        });
    }

    /** The value of the first key in the lock's queue in etcd: who holds it. */
    private static JsonNode holderInEtcd(String key) throws Exception {
        String prefix = "/switchboard/locks/l/" + key + "/q/";
        List<KeyValue> kvs = etcd.getKVClient().get(ByteSequence.from(prefix, StandardCharsets.UTF_8),
                io.etcd.jetcd.options.GetOption.builder().isPrefix(true)
                        .withSortField(io.etcd.jetcd.options.GetOption.SortTarget.CREATE).build())
                .get(5, TimeUnit.SECONDS).getKvs();
        assertThat(kvs).as("the lock's queue in etcd").isNotEmpty();
        return JSON.readTree(kvs.get(0).getValue().getBytes());
    }

    private static String resume(String session, String key) {
        return "{\"session\":\"" + session + "\",\"key\":\"" + key + "\",\"last_seq\":0}";
    }

    private static JsonNode record(String id) throws Exception {
        List<KeyValue> kvs = etcd.getKVClient().get(ByteSequence.from("/switchboard/sessions/" + id, StandardCharsets.UTF_8))
                .get(5, TimeUnit.SECONDS).getKvs();
        return kvs.isEmpty() ? null : JSON.readTree(kvs.get(0).getValue().getBytes());
    }
}
