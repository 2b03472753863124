package dev.switchboard.server.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.switchboard.cluster.testing.QuickPolls;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KeyValue;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Three node processes: a native client whose node is killed with SIGKILL resumes its session on
 * another node within the grace period (its subscriptions listening again, told honestly that
 * what the dead node had buffered is lost); a wrong key is refused the same way as an unknown
 * session; a session nobody resumes leaves etcd once the grace has passed; and a resume on a live
 * node other than the session's moves the session there.
 */
@ExtendWith(QuickPolls.class)
class SessionsAcrossNodesTest {
    private static final long GRACE_SECONDS = 4;
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static ClusterHarness cluster;
    private static Client etcd;

    @BeforeAll
    static void startCluster() {
        cluster = ClusterHarness.started(3, "--session-grace", Long.toString(GRACE_SECONDS));
        etcd = Client.builder().endpoints(cluster.etcd().url()).build();
    }

    @AfterAll
    static void stopCluster() {
        if (etcd != null) etcd.close();
        if (cluster != null) cluster.close();
    }

    @Test
    void aClientWhoseNodeIsKilledResumesOnAnotherNodeWithinTheGrace() throws Exception {
        Line client = new Line(cluster.port(0));
        JsonNode welcome = client.hello(null);
        String session = welcome.path("session").asString();
        String key = welcome.path("resume_key").asString();
        assertThat(client.request("{\"op\":\"signal.listen\",\"id\":2,\"pattern\":\"orders.>\"}", 2).path("op").asString())
                .isEqualTo("reply");
        JsonNode lock = client.request("{\"op\":\"lock.acquire\",\"id\":3,\"key\":\"door\",\"timeout_ms\":5000,\"lease_ms\":60000}", 3);
        assertThat(lock.path("result").path("status").asString()).isEqualTo("acquired");
        Line bystander = new Line(cluster.port(0));
        String abandoned = bystander.hello(null).path("session").asString();

        // The node records both sessions in etcd (the listen included) within its sync interval.
        await("records written").atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100)).until(() -> {
            JsonNode r = record(session);
            return r != null && r.path("node").asString().equals("node-0")
                    && r.path("session").path("subscriptions").toString().contains("orders.>")
                    && record(abandoned) != null;
        });
        assertThat(record(session).toString()).as("the key never leaves the node").doesNotContain(key);

        cluster.kill(0);
        client.close();
        bystander.close();
        long killedAt = System.nanoTime();

        // A wrong key on another node: the same answer as for a session that never was.
        try (Line guesser = new Line(cluster.port(2))) {
            JsonNode refused = guesser.hello(resume(session, key + "x", 2));
            assertThat(refused.path("resumed").asBoolean()).isFalse();
            assertThat(refused.path("resume_error").path("code").asString()).isEqualTo("session_not_found");
            assertThat(refused.path("session").asString()).isNotEqualTo(session);
        }
        assertThat(record(session).path("node").asString()).as("a wrong key moves nothing").isEqualTo("node-0");

        try (Line resumed = new Line(cluster.port(1))) {
            JsonNode back = resumed.hello(resume(session, key, 0));
            assertThat(System.nanoTime() - killedAt).as("resumed within the grace").isLessThan(TimeUnit.SECONDS.toNanos(GRACE_SECONDS));
            assertThat(back.path("session").asString()).isEqualTo(session);
            assertThat(back.path("resumed").asBoolean()).isTrue();
            assertThat(back.path("recovered").asBoolean()).as("what the dead node buffered is lost").isFalse();
            assertThat(record(session).path("node").asString()).isEqualTo("node-1");
            // (What becomes of the lock it held: LocksAcrossResumeTest.)

            // Its listen works again: a signal published on node 2 reaches it on node 1.
            try (Line publisher = new Line(cluster.port(2))) {
                publisher.hello(null);
                JsonNode signal = awaitSignal(publisher, resumed, "orders.new");
                assertThat(signal.path("payload").asString()).isEqualTo("shipped");
            }
            // The dead node's slot is not handed out twice.
            try (Line other = new Line(cluster.port(2))) {
                other.hello(null);
                JsonNode tryLock = other.request("{\"op\":\"lock.acquire\",\"id\":2,\"key\":\"door\",\"timeout_ms\":0}", 2);
                assertThat(tryLock.path("result").path("status").asString()).isEqualTo("timeout");
            }
        }

        // Nobody resumed the bystander's session: its record runs out with the dead node's lease,
        // between one and one and a half graces after the kill.
        await("abandoned record gone").atMost(Duration.ofSeconds(GRACE_SECONDS * 3 / 2 + 5)).pollInterval(Duration.ofMillis(200))
                .until(() -> record(abandoned) == null);
        assertThat(System.nanoTime() - killedAt).isGreaterThanOrEqualTo(TimeUnit.SECONDS.toNanos(GRACE_SECONDS) - TimeUnit.MILLISECONDS.toNanos(600));
        try (Line late = new Line(cluster.port(1))) {
            JsonNode refused = late.hello(resume(abandoned, "any-key-at-all-0123456789", 0));
            assertThat(refused.path("resume_error").path("code").asString()).isEqualTo("session_not_found");
        }
        // Node 0 stays down: the other test uses nodes 1 and 2 only.
    }

    @Test
    void aResumeOnAnotherLiveNodeMovesTheSessionThere() throws Exception {
        Line first = new Line(cluster.port(1));
        JsonNode welcome = first.hello(null);
        String session = welcome.path("session").asString();
        String key = welcome.path("resume_key").asString();
        first.request("{\"op\":\"signal.listen\",\"id\":2,\"pattern\":\"moves.>\"}", 2);
        await("record written").atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100))
                .until(() -> record(session) != null && record(session).toString().contains("moves.>"));

        try (Line moved = new Line(cluster.port(2))) {
            JsonNode back = moved.hello(resume(session, key, 0));
            assertThat(back.path("session").asString()).isEqualTo(session);
            assertThat(back.path("resumed").asBoolean()).isTrue();
            assertThat(back.path("recovered").asBoolean()).as("nothing was sent before the move").isTrue();
            // The copy on node 1 is closed: its client is told so.
            JsonNode closed = first.nextEvent(e -> "error".equals(e.path("op").asString()));
            assertThat(closed.path("error").path("code").asString()).isEqualTo("session_closed");
            assertThat(record(session).path("node").asString()).isEqualTo("node-2");
            try (Line publisher = new Line(cluster.port(1))) {
                publisher.hello(null);
                assertThat(awaitSignal(publisher, moved, "moves.here").path("channel").asString()).isEqualTo("moves.here");
            }
        } finally {
            first.close();
        }
    }

    /** Publishes on {@code channel} until {@code listener} gets it (the listen reaches NATS a moment after the resume). */
    private static JsonNode awaitSignal(Line publisher, Line listener, String channel) {
        JsonNode[] got = new JsonNode[1];
        int[] id = {10};
        await("signal on " + channel).atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100)).until(() -> {
            int n = id[0]++;
            publisher.request("{\"op\":\"signal.publish\",\"id\":" + n + ",\"channel\":\"" + channel + "\",\"payload\":\"shipped\"}", n);
            got[0] = listener.pollEvent(e -> "signal".equals(e.path("op").asString()), 150);
            return got[0] != null;
        });
        return got[0];
    }

    private static String resume(String session, String key, long lastSeq) {
        return "{\"session\":\"" + session + "\",\"key\":\"" + key + "\",\"last_seq\":" + lastSeq + "}";
    }

    /** The session's value in etcd as JSON, or null when there is none. */
    private static JsonNode record(String id) throws Exception {
        List<KeyValue> kvs = etcd.getKVClient().get(ByteSequence.from("/switchboard/sessions/" + id, StandardCharsets.UTF_8))
                .get(5, TimeUnit.SECONDS).getKvs();
        return kvs.isEmpty() ? null : JSON.readTree(kvs.get(0).getValue().getBytes());
    }

    /** A native JSON-lines client on loopback. */
    static final class Line implements AutoCloseable {
        private final Socket socket;
        private final BufferedReader in;
        private final OutputStream out;
        private final Deque<JsonNode> events = new ArrayDeque<>();

        Line(int port) throws IOException {
            socket = new Socket("127.0.0.1", port);
            socket.setSoTimeout(5000);
            in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
            out = socket.getOutputStream();
        }

        JsonNode hello(String resume) throws IOException {
            JsonNode w = request("{\"op\":\"hello\",\"id\":1,\"version\":1" + (resume == null ? "" : ",\"resume\":" + resume) + "}", 1);
            assertThat(w.path("op").asString()).as(w.toString()).isEqualTo("welcome");
            return w;
        }

        /** Sends and returns the message with this id, keeping events that come first. */
        JsonNode request(String json, int id) throws IOException {
            out.write((json + "\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
            while (true) {
                JsonNode m = read();
                if (m.has("id") && m.get("id").asInt() == id) return m;
                if (!m.has("id")) events.add(m);
            }
        }

        JsonNode nextEvent(java.util.function.Predicate<JsonNode> wanted) throws IOException {
            JsonNode e = pollEvent(wanted, 5000);
            assertThat(e).as("an awaited event").isNotNull();
            return e;
        }

        /** The first kept or arriving event that is {@code wanted}, or null after {@code waitMs}. */
        JsonNode pollEvent(java.util.function.Predicate<JsonNode> wanted, int waitMs) throws IOException {
            for (JsonNode e : events) {
                if (wanted.test(e)) {
                    events.remove(e);
                    return e;
                }
            }
            socket.setSoTimeout(waitMs);
            try {
                while (true) {
                    JsonNode m = read();
                    if (m.has("id")) continue;
                    if (wanted.test(m)) return m;
                    events.add(m);
                }
            } catch (SocketTimeoutException e) {
                return null;
            } finally {
                socket.setSoTimeout(5000);
            }
        }

        private JsonNode read() throws IOException {
            String line = in.readLine();
            if (line == null) throw new IOException("connection closed");
            return JSON.readTree(line);
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}
