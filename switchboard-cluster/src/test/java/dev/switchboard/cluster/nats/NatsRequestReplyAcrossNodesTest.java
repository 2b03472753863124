package dev.switchboard.cluster.nats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.switchboard.cluster.testing.NatsServer;
import dev.switchboard.core.rpc.InProcessHandlers;
import dev.switchboard.core.rpc.RpcResult;
import dev.switchboard.protocol.ErrorCode;
import dev.switchboard.protocol.Payload;
import dev.switchboard.protocol.Reply;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A call made on node A, served on node B — by an in-process handler or a backend session —
 * gets the outcome B gave it, whatever it is; a name nothing serves is {@code no_responders}
 * at once; the node's bounds on NATS give explicit errors. One nats-server for the class.
 */
class NatsRequestReplyAcrossNodesTest {
    private static final int BIG = 1_200_000; // over nats-server's default max_payload of 1 MiB

    private static NatsServer nats;
    private static RpcNode a;
    private static RpcNode b;

    @BeforeAll
    static void start() throws Exception {
        nats = NatsServer.started();
        a = new RpcNode("node-a", nats.url(), InProcessHandlers.NONE);
        b = new RpcNode("node-b", nats.url(), InProcessHandlers.NONE
                .with("inproc.echo", ctx -> CompletableFuture.completedFuture(
                        RpcResult.ok(Payload.ofUtf8("b says " + ctx.payload().utf8()))))
                .with("inproc.declined", ctx -> CompletableFuture.completedFuture(
                        RpcResult.error("card_declined", "no funds left", "{\"left\":3}")))
                .with("inproc.throws", ctx -> {
                    throw new IllegalStateException("a bug in the handler");
                })
                .with("inproc.big", ctx -> CompletableFuture.completedFuture(
                        RpcResult.ok(Payload.binary(new byte[BIG])))));
    }

    @AfterAll
    static void stop() {
        if (a != null) a.close();
        if (b != null) b.close();
        if (nats != null) nats.close();
    }

    private static Reply call(RpcNode node, String name, Object payload, long timeoutMs) throws Exception {
        return node.send(node.client(), "rpc.call", "name", name, "payload", payload, "timeout_ms", timeoutMs)
                .get(timeoutMs + 5_000, TimeUnit.MILLISECONDS);
    }

    private static void assertError(Reply r, ErrorCode code) {
        assertThat(r.error()).as("outcome %s", r).isEqualTo(code);
        assertThat(r.message()).isNotBlank();
    }

    @Test
    void aCallOnAIsServedByAnInProcessHandlerOnB() throws Exception {
        Reply r = call(a, "inproc.echo", "hello", 5_000);
        assertThat(r.isError()).as("outcome %s", r).isFalse();
        assertThat(((Payload) r.result().get("payload")).utf8()).isEqualTo("b says hello");
    }

    @Test
    void aCallOnAIsServedByABackendSessionOnB() throws Exception {
        RpcNode.Client backend = b.client();
        b.serve(backend, "billing.create", "workers");
        RpcNode.Client caller = a.client();

        CompletableFuture<Reply> text = a.send(caller, "rpc.call", "name", "billing.create", "payload",
                Map.of("amount", 12), "timeout_ms", 5_000);
        Map<String, Object> req = backend.nextRequest();
        assertThat(req).containsEntry("name", "billing.create");
        assertThat(((Payload) req.get("payload")).utf8()).isEqualTo("{\"amount\":12}");
        assertThat((Long) req.get("timeout_ms")).isBetween(1L, 5_000L);
        assertThat(b.send(backend, "rpc.respond", "rid", req.get("rid"), "payload", Map.of("invoice", "inv-1"))
                .get(5, TimeUnit.SECONDS).isError()).isFalse();
        Reply r = text.get(5, TimeUnit.SECONDS);
        assertThat(r.isError()).as("outcome %s", r).isFalse();
        Payload p = (Payload) r.result().get("payload");
        assertThat(p.kind()).isEqualTo(Payload.Kind.JSON);
        assertThat(p.utf8()).isEqualTo("{\"invoice\":\"inv-1\"}");

        // Bytes cross as bytes, both ways.
        CompletableFuture<Reply> bytes = a.send(caller, "rpc.call", "name", "billing.create", "payload_b64",
                Base64.getEncoder().encodeToString(new byte[] {0, 1, 2}), "timeout_ms", 5_000);
        Map<String, Object> req2 = backend.nextRequest();
        assertThat(((Payload) req2.get("payload_b64")).toByteArray()).containsExactly(0, 1, 2);
        b.send(backend, "rpc.respond", "rid", req2.get("rid"), "payload_b64",
                Base64.getEncoder().encodeToString(new byte[] {9, 8})).get(5, TimeUnit.SECONDS);
        Payload back = (Payload) bytes.get(5, TimeUnit.SECONDS).result().get("payload_b64");
        assertThat(back.kind()).isEqualTo(Payload.Kind.BINARY);
        assertThat(back.toByteArray()).containsExactly(9, 8);
        b.disconnect(backend);
    }

    @Test
    void aNameNothingServesAnywhereIsNoRespondersAtOnce() throws Exception {
        long start = System.nanoTime();
        Reply r = call(a, "nobody.serves.this", "x", 20_000);
        assertError(r, ErrorCode.NO_RESPONDERS);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(2));
    }

    @Test
    void aBackendOnBThatDoesNotAnswerGivesTheCallerOnATimeout() throws Exception {
        RpcNode.Client backend = b.client();
        b.serve(backend, "slow.report", null);
        long start = System.nanoTime();
        CompletableFuture<Reply> r = a.send(a.client(), "rpc.call", "name", "slow.report", "timeout_ms", 400);
        backend.nextRequest(); // it arrived, and is never answered
        assertError(r.get(5, TimeUnit.SECONDS), ErrorCode.TIMEOUT);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isBetween(Duration.ofMillis(350), Duration.ofSeconds(3));
        b.disconnect(backend);
    }

    @Test
    void anApplicationErrorOnBReachesTheCallerOnAWithItsCodeMessageAndData() throws Exception {
        Reply r = call(a, "inproc.declined", "pay", 5_000);
        assertThat(r.error()).isEqualTo(ErrorCode.APPLICATION);
        assertThat(r.errorFields()).containsEntry("code", "card_declined").containsEntry("message", "no funds left")
                .containsEntry("origin", "application").containsEntry("data", Map.of("left", 3));

        // From a backend session too.
        RpcNode.Client backend = b.client();
        b.serve(backend, "shop.order", null);
        CompletableFuture<Reply> fromBackend = a.send(a.client(), "rpc.call", "name", "shop.order", "timeout_ms", 5_000);
        Map<String, Object> req = backend.nextRequest();
        b.send(backend, "rpc.respond", "rid", req.get("rid"), "error",
                Map.of("code", "out_of_stock", "message", "none left", "data", Map.of("sku", "a1"))).get(5, TimeUnit.SECONDS);
        assertThat(fromBackend.get(5, TimeUnit.SECONDS).errorFields()).containsEntry("code", "out_of_stock")
                .containsEntry("origin", "application").containsEntry("data", Map.of("sku", "a1"));
        b.disconnect(backend);
    }

    @Test
    void aHandlerOnBThatThrowsIsInternalOnA() throws Exception {
        assertError(call(a, "inproc.throws", "x", 5_000), ErrorCode.INTERNAL);
    }

    @Test
    void aBackendOnBThatEndsMidCallGivesTheCallerOnADisconnectedNotATimeout() throws Exception {
        RpcNode.Client backend = b.client();
        b.serve(backend, "fragile.job", "g");
        long start = System.nanoTime();
        CompletableFuture<Reply> r = a.send(a.client(), "rpc.call", "name", "fragile.job", "timeout_ms", 20_000);
        backend.nextRequest();
        b.disconnect(backend);
        assertError(r.get(5, TimeUnit.SECONDS), ErrorCode.DISCONNECTED);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
        // Its registration went with it: nothing serves the name now.
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
                assertError(call(a, "fragile.job", "x", 5_000), ErrorCode.NO_RESPONDERS));
    }

    @Test
    void aDrainingServingNodeAnswersShuttingDown() throws Exception {
        try (RpcNode d = new RpcNode("node-d", nats.url(), InProcessHandlers.NONE.with("drain.me",
                ctx -> CompletableFuture.completedFuture(RpcResult.ok(Payload.ofUtf8("ok")))))) {
            assertThat(call(a, "drain.me", "x", 5_000).isError()).isFalse();
            d.core.rpc().tracker().startDraining();
            assertError(call(a, "drain.me", "x", 5_000), ErrorCode.SHUTTING_DOWN);
        }
    }

    @Test
    void aLocalMemberIsPreferredOverOneOnAnotherNode() throws Exception {
        RpcNode.Client onA = a.client();
        RpcNode.Client onB = b.client();
        a.serve(onA, "local.first", "g");
        b.serve(onB, "local.first", "g");
        for (int i = 0; i < 5; i++) {
            CompletableFuture<Reply> r = a.send(a.client(), "rpc.call", "name", "local.first", "timeout_ms", 5_000);
            Map<String, Object> req = onA.nextRequest();
            a.send(onA, "rpc.respond", "rid", req.get("rid"), "payload", "from a").get(5, TimeUnit.SECONDS);
            assertThat(r.get(5, TimeUnit.SECONDS).isError()).isFalse();
        }
        assertThat(onB.requests).isEmpty();
        a.disconnect(onA);
        b.disconnect(onB);
    }

    @Test
    void aRequestLargerThanNatsCarriesIsRefusedAtOnce() throws Exception {
        Reply r = a.send(a.client(), "rpc.call", "name", "inproc.echo", "payload_b64",
                Base64.getEncoder().encodeToString(new byte[BIG]), "timeout_ms", 20_000).get(5, TimeUnit.SECONDS);
        assertError(r, ErrorCode.FRAME_TOO_LARGE);
        assertThat(r.message()).contains("max_payload");
    }

    @Test
    void anAnswerLargerThanNatsCarriesIsAnExplicitErrorNotAHang() throws Exception {
        long start = System.nanoTime();
        Reply r = call(a, "inproc.big", "x", 20_000);
        assertError(r, ErrorCode.FRAME_TOO_LARGE);
        assertThat(r.message()).contains("answer");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
    }

    @Test
    void callsOutOnNatsAreBoundedPerNode() throws Exception {
        RpcNode.Client backend = b.client();
        b.serve(backend, "held.call", null);
        java.util.List<String> hits = new java.util.concurrent.CopyOnWriteArrayList<>();
        try (RpcNode bounded = new RpcNode("node-bounded", nats.url(), InProcessHandlers.NONE, new NatsRpcSettings(1))) {
            bounded.engines.onLimitHit(hits::add);
            CompletableFuture<Reply> first = bounded.send(bounded.client(), "rpc.call", "name", "held.call",
                    "timeout_ms", 10_000);
            Map<String, Object> req = backend.nextRequest();
            assertThat(bounded.engines.callsInFlight()).isEqualTo(1);

            Reply second = call(bounded, "held.call", "x", 10_000);
            assertError(second, ErrorCode.TOO_MANY_REQUESTS);
            assertThat(second.message()).contains(NatsRpcSettings.OPTION);
            assertThat(hits).containsExactly(NatsRpcSettings.LIMIT);
            assertThat(bounded.engines.limitHits()).isEqualTo(1);

            b.send(backend, "rpc.respond", "rid", req.get("rid"), "payload", "done").get(5, TimeUnit.SECONDS);
            assertThat(first.get(5, TimeUnit.SECONDS).isError()).isFalse();
            await().atMost(Duration.ofSeconds(5)).until(() -> bounded.engines.callsInFlight() == 0);
            assertThat(call(bounded, "inproc.echo", "again", 5_000).isError()).isFalse();
        }
        b.disconnect(backend);
    }

    @Test
    void theBoundComesFromItsEnvironmentVariable() {
        assertThat(NatsRpcSettings.fromEnvironment(Map.of(NatsRpcSettings.ENV, "7")).maxInFlight()).isEqualTo(7);
        assertThat(NatsRpcSettings.fromEnvironment(Map.of()).maxInFlight()).isEqualTo(NatsRpcSettings.DEFAULT_MAX_IN_FLIGHT);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> NatsRpcSettings.fromEnvironment(Map.of(NatsRpcSettings.ENV, "0")))
                .hasMessageContaining(NatsRpcSettings.OPTION);
    }
}
