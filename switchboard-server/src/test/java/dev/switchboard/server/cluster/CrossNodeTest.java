package dev.switchboard.server.cluster;

import static dev.switchboard.server.nativeproto.Envelopes.envelope;
import static dev.switchboard.server.nativeproto.Envelopes.header;
import static dev.switchboard.server.nativeproto.Envelopes.payload;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.switchboard.cluster.testing.QuickPolls;
import dev.switchboard.server.dflockd.LineClient;
import dev.switchboard.server.ws.WsClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;
import tools.jackson.databind.JsonNode;

/**
 * Three node processes on one nats-server and one etcd behave as one server, seen by real clients:
 * dflockd's line protocol on raw sockets and the native JSON protocol on WebSocket, each client on
 * the node the test names. The tests that stop or kill nodes come last and leave the cluster
 * running again.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@ExtendWith(QuickPolls.class)
class CrossNodeTest {
    /**
     * dflockd's {@code signal} waits this long for the other nodes' counts: far above a NATS round
     * trip on loopback, so that a busy build machine does not make {@code ok N} undercount.
     */
    private static final String SIGNAL_COUNT_WAIT_MS = "1000";
    private static final byte[] BYTES = new byte[256];
    private static ClusterHarness cluster;

    static {
        for (int i = 0; i < BYTES.length; i++) BYTES[i] = (byte) i;
    }

    @BeforeAll
    static void startCluster() {
        cluster = ClusterHarness.started(3, "--cluster-signal-count-wait", SIGNAL_COUNT_WAIT_MS);
    }

    @AfterAll
    static void stopCluster() {
        if (cluster != null) cluster.close();
    }

    @Test
    @Order(1)
    void waitersOnThreeNodesAreGrantedInTheOrderTheyQueuedWithGrowingFences() {
        String key = "fifo-three-nodes";
        try (LineClient holder = client(0, "holder"); LineClient first = client(1, "waiter on node 1");
             LineClient second = client(2, "waiter on node 2"); LineClient third = client(0, "waiter on node 0");
             LineClient observer = client(1, "observer")) {
            String held = holder.lock(key, "0 30", 30);
            List<LineClient> waiters = List.of(first, second, third);
            for (int i = 0; i < waiters.size(); i++) {
                waiters.get(i).req("l", key, "20 30");
                int queued = i + 1;
                // The queue lives in etcd: every node's stats show it, whichever node the waiter is on.
                LineClient.awaitStats(observer, s -> LineClient.lockWaiters(s, key) == queued, queued + " waiters on " + key);
            }
            List<Long> fences = new ArrayList<>(List.of(LineClient.fence(held)));
            String previous = held;
            LineClient previousHolder = holder;
            for (LineClient waiter : waiters) {
                previousHolder.release(key, previous);
                previous = LineClient.grantToken(waiter.line(), "ok", 30, "l " + key);
                fences.add(LineClient.fence(previous));
                previousHolder = waiter;
                for (LineClient later : waiters.subList(waiters.indexOf(waiter) + 1, waiters.size())) {
                    later.assertSilentFor(Duration.ofMillis(100));
                }
            }
            previousHolder.release(key, previous);
            assertThat(fences).isSorted().doesNotHaveDuplicates();
        }
    }

    @Test
    @Order(2)
    void aSignalOnNode0ReachesListenersOnNodes1And2AndOkCountsThemAll() throws Exception {
        String channel = "xnode.signal";
        try (LineClient local = client(0, "listener on node 0"); LineClient dflockd = client(1, "listener on node 1");
             WsClient nativeSub = WsClient.hello(cluster.port(2)); LineClient signaller = client(0, "signaller")) {
            assertThat(local.call("listen", channel, "")).isEqualTo("ok");
            assertThat(dflockd.call("listen", channel, "")).isEqualTo("ok");
            assertThat(nativeSub.request("{\"op\":\"topic.subscribe\",\"id\":2,\"pattern\":\"xnode.*\"}", 2).has("result")).isTrue();

            assertThat(signaller.call("signal", channel, "hello")).as("one listener on each node").isEqualTo("ok 3");
            assertThat(local.line()).isEqualTo("sig " + channel + " hello");
            assertThat(dflockd.line()).isEqualTo("sig " + channel + " hello");
            JsonNode m = nativeSub.read();
            assertThat(m.path("op").asString()).as(m.toString()).isEqualTo("message");
            assertThat(m.path("topic").asString()).isEqualTo(channel);
            assertThat(m.path("payload").asString()).isEqualTo("hello");

            assertThat(signaller.call("signal", "elsewhere.nobody", "x")).as("nobody listens on this channel").isEqualTo("ok 0");
        }
    }

    @Test
    @Order(3)
    void aRequestOnNode0IsServedByABackendOnNode2() throws Exception {
        try (WsClient backend = WsClient.hello(cluster.port(2)); WsClient caller = WsClient.hello(cluster.port(0))) {
            JsonNode served = backend.request("{\"op\":\"rpc.serve\",\"id\":2,\"pattern\":\"xnode.billing.>\"}", 2);
            assertThat(served.has("result")).as(served.toString()).isTrue();
            // The registration reaches the other nodes one NATS round trip after rpc.serve answers.
            AtomicReference<JsonNode> request = new AtomicReference<>();
            String call = "{\"op\":\"rpc.call\",\"id\":3,\"name\":\"xnode.billing.invoice\",\"payload\":{\"amount\":12},\"timeout_ms\":5000}";
            await("the call crosses to node 2").atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50)).until(() -> {
                caller.send(call);
                long end = System.nanoTime() + Duration.ofSeconds(5).toNanos();
                while (System.nanoTime() < end) {
                    JsonNode event = poll(backend, Duration.ofMillis(20));
                    if (event != null && "rpc.request".equals(event.path("op").asString())) {
                        request.set(event);
                        return true;
                    }
                    JsonNode answer = poll(caller, Duration.ofMillis(20));
                    if (answer != null && answer.path("id").asString().equals("3")) {
                        assertThat(answer.at("/error/code").asString()).as(answer.toString()).isEqualTo("no_responders");
                        return false;
                    }
                }
                throw new AssertionError("the call got neither to the backend nor an answer within 5 s");
            });
            assertThat(request.get().path("op").asString()).isEqualTo("rpc.request");
            assertThat(request.get().path("name").asString()).isEqualTo("xnode.billing.invoice");
            assertThat(request.get().at("/payload/amount").asInt()).isEqualTo(12);
            JsonNode answered = backend.request("{\"op\":\"rpc.respond\",\"id\":4,\"rid\":\"" + request.get().path("rid").asString()
                    + "\",\"payload\":{\"paid\":true}}", 4);
            assertThat(answered.has("result")).as(answered.toString()).isTrue();
            JsonNode reply = reply(caller, 3);
            assertThat(reply.at("/result/payload/paid").asBoolean()).as(reply.toString()).isTrue();
        }
    }

    @Test
    @Order(4)
    void aBinaryDirectMessageCrossesFromNode1ToNode2UnchangedAndNode0SeesThePresence() throws Exception {
        try (WsClient watcher = WsClient.hello(cluster.port(0))) {
            JsonNode watch = watcher.request("{\"op\":\"presence.subscribe\",\"id\":2,\"pattern\":\">\"}", 2);
            assertThat(watch.has("result")).as(watch.toString()).isTrue();
            String receiverId;
            try (WsClient sender = binaryPeer(1); WsClient receiver = binaryPeer(2)) {
                receiverId = sessionId(receiver);
                awaitPresence(watcher, receiverId, "online");
                // Node 1 learns of the peer from etcd's watch, a moment after node 0 may have.
                await("node 1 knows the peer on node 2").atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50)).until(() -> {
                    sender.sendBinary(envelope("{\"op\":\"relay.send\",\"id\":2,\"to\":\"" + receiverId + "\"}", BYTES));
                    JsonNode r = sender.read();
                    if (r.has("result")) return true;
                    assertThat(r.at("/error/code").asString()).as(r.toString()).isEqualTo("peer_not_found");
                    return false;
                });
                byte[] got = receiver.readBinary();
                assertThat(header(got).path("op").asString()).isEqualTo("relay.message");
                assertThat(header(got).path("from").asString()).isEqualTo(sessionId(sender));
                assertThat(payload(got)).as("byte for byte").isEqualTo(BYTES);
            }
            awaitPresence(watcher, receiverId, "offline");
        }
    }

    @Test
    @Order(5)
    void aNodeKilledWithSigkillFreesItsLocksWithinTheirLeaseAndItsPeersGoOffline() throws Exception {
        String key = "killed-holder";
        long leaseSeconds = 5;
        try (WsClient watcher = WsClient.hello(cluster.port(1)); LineClient waiter = client(0, "waiter on node 0");
             LineClient observer = client(1, "observer")) {
            assertThat(watcher.request("{\"op\":\"presence.subscribe\",\"id\":2,\"pattern\":\">\"}", 2).has("result")).isTrue();
            WsClient doomedPeer = WsClient.hello(cluster.port(2));
            String doomedId = sessionId(doomedPeer);
            awaitPresence(watcher, doomedId, "online");
            LineClient doomedHolder = client(2, "holder on node 2");
            long grantedAt = System.nanoTime();
            String held = doomedHolder.lock(key, "0 " + leaseSeconds, leaseSeconds);
            waiter.req("l", key, "30 30");
            LineClient.awaitStats(observer, s -> LineClient.lockWaiters(s, key) == 1, "the waiter queued");
            cluster.kill(2);
            Duration killedAfter = Duration.ofNanos(System.nanoTime() - grantedAt);
            assertThat(killedAfter).as("killed while the lease ran: the node itself cannot have released it")
                    .isLessThan(Duration.ofSeconds(leaseSeconds));
            // etcd keeps the held key for ceil(lease) + 1 s after the grant (docs/cluster.md "Leases");
            // the waiter's watch then sees it go. One second more for the watch on a busy machine.
            String granted = LineClient.grantToken(waiter.line(Duration.ofSeconds(15)), "ok", 30, "l " + key);
            Duration waited = Duration.ofNanos(System.nanoTime() - grantedAt);
            assertThat(waited).as("granted within the lease plus etcd's rounding").isLessThanOrEqualTo(Duration.ofSeconds(leaseSeconds + 2));
            assertThat(LineClient.fence(granted)).isGreaterThan(LineClient.fence(held));
            awaitPresence(watcher, doomedId, "offline");
            waiter.release(key, granted);
            doomedPeer.close();
            doomedHolder.close();
        } finally {
            cluster.start(2);
        }
    }

    @Test
    @Order(6)
    void fencesKeepGrowingAcrossAFullClusterRestart() {
        String key = "fence-across-restart";
        long before;
        try (LineClient c = client(1, "before the restart")) {
            String token = c.lock(key);
            before = LineClient.fence(token);
            c.release(key, token);
        }
        cluster.stopEveryNode();
        cluster.etcd().stop();
        cluster.etcd().start();
        cluster.awaitEtcdServing();
        cluster.startEveryNode();
        long after;
        try (LineClient c = client(2, "after the restart")) {
            String token = c.lock(key);
            after = LineClient.fence(token);
            c.release(key, token);
        }
        assertThat(after).isGreaterThan(before);
    }

    private static LineClient client(int node, String name) {
        return new LineClient(cluster.port(node), name + " (node " + node + ")");
    }

    private static WsClient binaryPeer(int node) throws Exception {
        WsClient c = new WsClient(cluster.port(node), null);
        c.send("{\"op\":\"hello\",\"id\":1,\"version\":1,\"binary\":true}");
        assertThat(c.read().path("binary").asBoolean()).isTrue();
        return c;
    }

    /** An anonymous session's peer id is its session id. */
    private static String sessionId(WsClient c) throws Exception {
        String session = c.request("{\"op\":\"session.info\",\"id\":90}", 90).at("/result/session").asString();
        assertThat(session).isNotEmpty();
        return session;
    }

    /** The next message within {@code within}, or null. */
    private static JsonNode poll(WsClient c, Duration within) throws Exception {
        String m = c.messages.poll(within.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
        return m == null ? null : LineClient.JSON.readTree(m);
    }

    /** Reads until the answer to request {@code id} (other messages are dropped). */
    private static JsonNode reply(WsClient c, Object id) throws Exception {
        while (true) {
            JsonNode m = c.read();
            if (m.has("id") && m.get("id").asString().equals(String.valueOf(id))) return m;
        }
    }

    /** Reads the watcher's events until one says {@code peerId} is {@code state} (online or offline). */
    private static void awaitPresence(WsClient watcher, String peerId, String state) {
        await(peerId + " " + state + " on the watcher's node").atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(1))
                .until(() -> {
                    JsonNode e = poll(watcher, Duration.ofMillis(150));
                    if (e == null || !"presence".equals(e.path("op").asString())) return false;
                    for (JsonNode id : e.path(state)) {
                        if (id.asString().equals(peerId)) return true;
                    }
                    return false;
                });
    }
}
