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
 * processes over one nats-server and one etcd: {@code rpc.notify} to a backend on the other node.
 */
class MessagingAcrossNodesTest {
    private static ClusterHarness cluster;

    @BeforeAll
    static void startCluster() {
        cluster = ClusterHarness.started(2);
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
