package dev.switchboard.cluster.nats;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.cluster.testing.NatsServer;
import dev.switchboard.core.rpc.InProcessHandlers;
import dev.switchboard.core.rpc.RpcResult;
import dev.switchboard.protocol.ErrorCode;
import dev.switchboard.protocol.Payload;
import dev.switchboard.protocol.Reply;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code rpc.call_many} across three nodes: each node serving the name answers for its own
 * members, and the caller's node reports every member's outcome, a slow one's as its timeout.
 */
class NatsRequestManyAcrossNodesTest {
    private static NatsServer nats;
    private static RpcNode a;
    private static RpcNode b;
    private static RpcNode c;

    @BeforeAll
    static void start() throws Exception {
        nats = NatsServer.started();
        a = new RpcNode("node-a", nats.url(), InProcessHandlers.NONE);
        b = new RpcNode("node-b", nats.url(), InProcessHandlers.NONE);
        c = new RpcNode("node-c", nats.url(), InProcessHandlers.NONE.with("fleet.status",
                ctx -> CompletableFuture.completedFuture(RpcResult.ok(Payload.ofUtf8("c in-process ok")))));
    }

    @AfterAll
    static void stop() {
        if (a != null) a.close();
        if (b != null) b.close();
        if (c != null) c.close();
        if (nats != null) nats.close();
    }

    /** Answers every request it gets with {@code text}, from a thread of its own, until the test ends. */
    private static Thread answering(RpcNode node, RpcNode.Client backend, String text) {
        Thread t = new Thread(() -> {
            try {
                while (true) {
                    Map<String, Object> req = backend.requests.take();
                    node.send(backend, "rpc.respond", "rid", req.get("rid"), "payload", text);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        t.setDaemon(true);
        t.start();
        return t;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Map<String, Object>> byMember(Reply r) {
        Map<String, Map<String, Object>> out = new HashMap<>();
        for (Map<String, Object> e : (List<Map<String, Object>>) r.result().get("replies")) out.put((String) e.get("member"), e);
        return out;
    }

    @Test
    void everyMemberOnEveryNodeAnswersAndASlowOneIsReportedAsItsTimeout() throws Exception {
        RpcNode.Client onA = a.client();
        RpcNode.Client onB = b.client();
        RpcNode.Client slowOnC = c.client();
        a.serve(onA, "fleet.status", null);
        b.serve(onB, "fleet.status", "status-workers");
        c.serve(slowOnC, "fleet.status", null); // receives, never answers
        Thread ta = answering(a, onA, "a ok");
        Thread tb = answering(b, onB, "b ok");
        try {
            long start = System.nanoTime();
            Reply r = a.send(a.client(), "rpc.call_many", "name", "fleet.status", "payload", "how are you",
                    "timeout_ms", 2_000).get(10, TimeUnit.SECONDS);
            Duration took = Duration.ofNanos(System.nanoTime() - start);
            assertThat(r.isError()).as("outcome %s", r).isFalse();
            Map<String, Map<String, Object>> members = byMember(r);
            assertThat(members).containsOnlyKeys(onA.session.id(), "node-b/" + onB.session.id(),
                    "node-c/in-process", "node-c/" + slowOnC.session.id());
            assertThat(((Payload) members.get(onA.session.id()).get("payload")).utf8()).isEqualTo("a ok");
            assertThat(((Payload) members.get("node-b/" + onB.session.id()).get("payload")).utf8()).isEqualTo("b ok");
            assertThat(((Payload) members.get("node-c/in-process").get("payload")).utf8()).isEqualTo("c in-process ok");
            assertThat((Map<String, Object>) members.get("node-c/" + slowOnC.session.id()).get("error"))
                    .containsEntry("code", "timeout");
            assertThat(r.result()).containsEntry("complete", false);
            assertThat(members.values()).allSatisfy(e -> assertThat(e).containsEntry("target", "fleet.status"));
            assertThat(took).isBetween(Duration.ofMillis(1_900), Duration.ofSeconds(6));
            assertThat(slowOnC.requests).hasSize(1);

            // max_replies: the gathering ends when that many members answered, before the deadline.
            long start2 = System.nanoTime();
            Reply two = a.send(a.client(), "rpc.call_many", "name", "fleet.status", "max_replies", 2,
                    "timeout_ms", 10_000).get(10, TimeUnit.SECONDS);
            assertThat((List<?>) two.result().get("replies")).hasSize(2);
            assertThat(Duration.ofNanos(System.nanoTime() - start2)).isLessThan(Duration.ofSeconds(5));
        } finally {
            ta.interrupt();
            tb.interrupt();
            a.disconnect(onA);
            b.disconnect(onB);
            c.disconnect(slowOnC);
        }
    }

    @Test
    void aNameNothingServesAnywhereIsNoRespondersAtOnce() throws Exception {
        long start = System.nanoTime();
        Reply r = a.send(a.client(), "rpc.call_many", "name", "nobody.anywhere", "timeout_ms", 20_000)
                .get(10, TimeUnit.SECONDS);
        assertThat(r.error()).as("outcome %s", r).isEqualTo(ErrorCode.NO_RESPONDERS);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(2));
    }

    @Test
    void membersOnlyOnOtherNodesAnswerTheCaller() throws Exception {
        Reply r = b.send(b.client(), "rpc.call_many", "name", "fleet.status", "timeout_ms", 600)
                .get(10, TimeUnit.SECONDS);
        assertThat(byMember(r)).containsOnlyKeys("node-c/in-process");
        assertThat(r.result()).containsEntry("complete", true);
    }
}
