package dev.switchboard.server.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.switchboard.server.dflockd.LineClient;
import dev.switchboard.server.ws.WsClient;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * What a client sees of the messaging features that need an answer from another node, on two node
 * processes over one nats-server and one etcd: {@code rpc.notify} to a backend on the other node,
 * and direct messages asking for a receipt ({@code ack_id}) to a peer on the other node. The test
 * that kills a node restarts it.
 */
class MessagingAcrossNodesTest {
    /** A sender's bound on messages awaiting their receipt, small enough for a test to reach. */
    private static final int MAX_UNACKNOWLEDGED = 3;
    private static ClusterHarness cluster;

    @BeforeAll
    static void startCluster() {
        cluster = ClusterHarness.started(2, "--relay-max-unacknowledged", String.valueOf(MAX_UNACKNOWLEDGED));
    }

    @AfterAll
    static void stopCluster() {
        if (cluster != null) cluster.close();
    }

    @Test
    void aNotifyOnNode0ReachesOneMemberOfAServiceOnNode1AndAckSaysWhetherAnythingServesIt() throws Exception {
        try (WsClient first = WsClient.hello(cluster.port(1)); WsClient second = WsClient.hello(cluster.port(1));
             WsClient sender = WsClient.hello(cluster.port(0))) {
            JsonNode nobody = sender.request(notify(2, "xn.audit.login", "early", true), 2);
            assertThat(nobody.at("/error/code").asString()).as("nothing in the cluster serves it yet: " + nobody)
                    .isEqualTo("no_responders");
            assertThat(sender.request(notify(3, "xn.audit.login", "lost", false), 3).has("result"))
                    .as("without ack a notify is answered {} even when nothing serves it").isTrue();

            for (WsClient member : new WsClient[] {first, second}) {
                JsonNode served = member.request("{\"op\":\"rpc.serve\",\"id\":2,\"pattern\":\"xn.audit.>\",\"group\":\"audit\"}", 2);
                assertThat(served.has("result")).as(served.toString()).isTrue();
            }
            // The registration reaches node 0 one NATS round trip after rpc.serve answers.
            int[] id = {10};
            await("a notify with ack crosses to node 1").atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50))
                    .until(() -> sender.request(notify(++id[0], "xn.audit.login", "probe", true), id[0]).has("result"));
            Map<WsClient, Integer> probes = drainNotifies(Duration.ofMillis(300), first, second);
            assertThat(probes.values().stream().mapToInt(Integer::intValue).sum()).as("each answered probe reached one member once")
                    .isEqualTo(1);

            for (int i = 0; i < 4; i++) {
                JsonNode r = sender.request(notify(100 + i, "xn.audit.login", "n" + i, i % 2 == 0), 100 + i);
                assertThat(r.has("result")).as(r.toString()).isTrue();
            }
            Map<WsClient, Integer> got = drainNotifies(Duration.ofSeconds(2), first, second);
            assertThat(got.get(first) + got.get(second)).as("four notifies, each to one member").isEqualTo(4);
            assertThat(got.get(first)).as("the members of the group take turns").isEqualTo(2);
        }
    }

    @Test
    void aMessageWithAnAckIdToAPeerOnNode1GetsExactlyOneAcknowledgedReceiptOnNode0() throws Exception {
        try (WsClient sender = WsClient.hello(cluster.port(0)); WsClient receiver = WsClient.hello(cluster.port(1))) {
            String to = sessionId(receiver);
            awaitSent(sender, to, "m1", "ping");
            JsonNode message = nextOp(receiver, "relay.message");
            assertThat(message.path("from").asString()).isEqualTo(sessionId(sender));
            assertThat(message.path("ack_id").asString()).isEqualTo("m1");
            assertThat(message.path("payload").asString()).isEqualTo("ping");
            assertThat(sender.messages.poll(200, TimeUnit.MILLISECONDS)).as("no receipt before the ack").isNull();

            JsonNode acked = receiver.request("{\"op\":\"relay.ack\",\"id\":5,\"from\":\"" + sessionId(sender)
                    + "\",\"ack_id\":\"m1\"}", 5);
            assertThat(acked.has("result")).as(acked.toString()).isTrue();
            JsonNode receipt = nextOp(sender, "relay.receipt");
            assertThat(receipt.path("to").asString()).isEqualTo(to);
            assertThat(receipt.path("ack_id").asString()).isEqualTo("m1");
            assertThat(receipt.path("status").asString()).isEqualTo("acknowledged");
            JsonNode again = receiver.request("{\"op\":\"relay.ack\",\"id\":6,\"from\":\"" + sessionId(sender)
                    + "\",\"ack_id\":\"m1\"}", 6);
            assertThat(again.at("/error/code").asString()).as("acknowledged already: " + again).isEqualTo("invalid_argument");
            assertThat(sender.messages.poll(300, TimeUnit.MILLISECONDS)).as("exactly one receipt").isNull();
        }
    }

    @Test
    void theReceiverEndingUnacknowledgedIsOneUndeliveredReceiptAndTheSendersBoundCountsMessagesToOtherNodes() throws Exception {
        try (WsClient sender = WsClient.hello(cluster.port(0)); WsClient receiver = WsClient.hello(cluster.port(1))) {
            String to = sessionId(receiver);
            awaitSent(sender, to, "u0", "a");
            for (int i = 1; i < MAX_UNACKNOWLEDGED; i++) {
                JsonNode r = sender.request(send(20 + i, to, "u" + i, "a"), 20 + i);
                assertThat(r.has("result")).as(r.toString()).isTrue();
            }
            JsonNode refused = sender.request(send(40, to, "u-over", "a"), 40);
            assertThat(refused.at("/error/code").asString()).as(refused.toString()).isEqualTo("too_many_requests");
            assertThat(refused.at("/error/message").asString()).contains("--relay-max-unacknowledged");
            JsonNode duplicate = sender.request(send(41, to, "u0", "a"), 41);
            assertThat(duplicate.at("/error/code").asString()).as(duplicate.toString()).isEqualTo("invalid_argument");

            receiver.request("{\"op\":\"session.close\",\"id\":7}", 7);
            java.util.Set<String> undelivered = new java.util.HashSet<>();
            for (int i = 0; i < MAX_UNACKNOWLEDGED; i++) {
                JsonNode receipt = nextOp(sender, "relay.receipt");
                assertThat(receipt.path("status").asString()).as(receipt.toString()).isEqualTo("undelivered");
                assertThat(receipt.path("to").asString()).isEqualTo(to);
                undelivered.add(receipt.path("ack_id").asString());
            }
            assertThat(undelivered).containsExactlyInAnyOrder("u0", "u1", "u2");
            assertThat(sender.messages.poll(300, TimeUnit.MILLISECONDS)).as("one receipt per message").isNull();
            try (WsClient other = WsClient.hello(cluster.port(1))) {
                awaitSent(sender, sessionId(other), "after", "b");
                assertThat(nextOp(other, "relay.message").path("ack_id").asString())
                        .as("the receipts came back: the bound has room again").isEqualTo("after");
            }
        }
    }

    @Test
    void aSenderWhoseSessionEndsIsForgottenOnTheReceiversNodeAsOnOneNode() throws Exception {
        try (WsClient receiver = WsClient.hello(cluster.port(1)); WsClient marker = WsClient.hello(cluster.port(0))) {
            String from;
            try (WsClient sender = WsClient.hello(cluster.port(0))) {
                from = sessionId(sender);
                awaitSent(sender, sessionId(receiver), "gone", "x");
                assertThat(nextOp(receiver, "relay.message").path("ack_id").asString()).isEqualTo("gone");
                sender.request("{\"op\":\"session.close\",\"id\":7}", 7);
            }
            // The session's end told node 1 to forget its message before this answer; a later
            // message from node 0 to the same node arrives after that word (NATS keeps one
            // publisher's order on one subject), so once it is here the forget is done.
            JsonNode sent = marker.request("{\"op\":\"relay.send\",\"id\":2,\"to\":\"" + sessionId(receiver)
                    + "\",\"payload\":\"after\"}", 2);
            assertThat(sent.has("result")).as(sent.toString()).isTrue();
            assertThat(nextOp(receiver, "relay.message").path("payload").asString()).isEqualTo("after");
            JsonNode ack = receiver.request("{\"op\":\"relay.ack\",\"id\":11,\"from\":\"" + from
                    + "\",\"ack_id\":\"gone\"}", 11);
            assertThat(ack.at("/error/code").asString()).as("the sender went: nothing awaits an ack, as on one node: " + ack)
                    .isEqualTo("invalid_argument");
        }
    }

    @Test
    void aReceiptAwaitedFromANodeThatDiesIsUndeliveredAfterItsLeaseAndTheGrace() throws Exception {
        try (WsClient sender = WsClient.hello(cluster.port(0))) {
            WsClient receiver = WsClient.hello(cluster.port(1));
            String to = sessionId(receiver);
            awaitSent(sender, to, "doomed", "x");
            assertThat(nextOp(receiver, "relay.message").path("ack_id").asString()).isEqualTo("doomed");
            long killed = System.nanoTime();
            try {
                cluster.kill(1);
                // Node 1's peers vanish when its etcd lease (5 s) runs out; receipts still on NATS
                // then get the call timeout (5 s) to arrive before the sender is told undelivered.
                JsonNode receipt = nextOp(sender, "relay.receipt", Duration.ofSeconds(25));
                assertThat(receipt.path("status").asString()).as(receipt.toString()).isEqualTo("undelivered");
                assertThat(receipt.path("ack_id").asString()).isEqualTo("doomed");
                assertThat(Duration.ofNanos(System.nanoTime() - killed)).as("lease TTL + grace, plus a watch's delay")
                        .isLessThan(Duration.ofSeconds(20));
                assertThat(sender.messages.poll(300, TimeUnit.MILLISECONDS)).as("exactly one receipt").isNull();
            } finally {
                receiver.close();
                cluster.start(1);
            }
        }
    }

    private static String send(int id, String to, String ackId, String payload) {
        return "{\"op\":\"relay.send\",\"id\":" + id + ",\"to\":\"" + to + "\",\"ack_id\":\"" + ackId
                + "\",\"payload\":\"" + payload + "\"}";
    }

    /** Sends until node of the sender knows the peer (etcd's watch brings it a moment after it connects). */
    private static void awaitSent(WsClient sender, String to, String ackId, String payload) {
        int[] id = {1000};
        await("the sender's node knows " + to).atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50)).until(() -> {
            JsonNode r = sender.request(send(++id[0], to, ackId, payload), id[0]);
            if (r.has("result")) return true;
            assertThat(r.at("/error/code").asString()).as(r.toString()).isEqualTo("peer_not_found");
            return false;
        });
    }

    private static JsonNode nextOp(WsClient c, String op) throws Exception {
        return nextOp(c, op, Duration.ofSeconds(5));
    }

    /** The next event {@code op} within {@code within}, other messages skipped. */
    private static JsonNode nextOp(WsClient c, String op, Duration within) throws Exception {
        long end = System.nanoTime() + within.toNanos();
        while (System.nanoTime() < end) {
            String m = c.messages.poll(50, TimeUnit.MILLISECONDS);
            if (m == null) continue;
            JsonNode e = LineClient.JSON.readTree(m);
            if (op.equals(e.path("op").asString())) return e;
        }
        throw new AssertionError("no " + op + " within " + within);
    }

    /** An anonymous session's peer id is its session id. */
    private static String sessionId(WsClient c) throws Exception {
        return c.request("{\"op\":\"session.info\",\"id\":90}", 90).at("/result/session").asString();
    }

    private static String notify(int id, String name, String payload, boolean ack) {
        return "{\"op\":\"rpc.notify\",\"id\":" + id + ",\"name\":\"" + name + "\",\"payload\":\"" + payload + "\""
                + (ack ? ",\"ack\":true" : "") + "}";
    }

    /**
     * Counts the notifies each backend gets until {@code quiet} passes without one, checking that
     * each is a notify (no rid, nothing to answer).
     */
    private static Map<WsClient, Integer> drainNotifies(Duration quiet, WsClient... backends) throws Exception {
        Map<WsClient, Integer> counts = new HashMap<>();
        for (WsClient b : backends) counts.put(b, 0);
        long end = System.nanoTime() + quiet.toNanos();
        while (System.nanoTime() < end) {
            for (WsClient b : backends) {
                String m = b.messages.poll(20, TimeUnit.MILLISECONDS);
                if (m == null) continue;
                JsonNode e = LineClient.JSON.readTree(m);
                assertThat(e.path("op").asString()).as(m).isEqualTo("rpc.request");
                assertThat(e.path("notify").asBoolean()).as(m).isTrue();
                assertThat(e.has("rid")).as("a notify has nothing to answer: " + m).isFalse();
                counts.merge(b, 1, Integer::sum);
                end = System.nanoTime() + quiet.toNanos();
            }
        }
        return counts;
    }
}
