package dev.switchboard.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.switchboard.protocol.Payload;
import dev.switchboard.protocol.PayloadFields;
import dev.switchboard.protocol.json.ProtocolJson;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Request/reply through the Java client: a client serving names, others calling them. */
class RequestReplyClientTest {
    private static final Duration LONG = Duration.ofSeconds(10);
    private static final AtomicInteger NAMES = new AtomicInteger();

    @RegisterExtension
    static final LiveServer SERVER = new LiveServer();

    /** A name of this test's own (a new instance per test). */
    private final String name = "svc" + NAMES.incrementAndGet() + ".echo";

    @Test
    void aServedNameAnswersWithEveryKindOfPayload() {
        SwitchboardClient backend = SERVER.client();
        SwitchboardClient caller = SERVER.client();
        backend.serve(name, req -> CompletableFuture.completedFuture(req.payload()));
        Payload text = Payload.ofUtf8("héllo");
        Payload json = PayloadFields.fromValue(ProtocolJson.MAPPER.readTree("{\"a\":[1,2,{\"b\":null}]}"));
        Payload bytes = Payload.binary(new byte[] {0, (byte) 0xff, 10, 13});
        for (Payload p : new Payload[] {text, json, bytes}) {
            assertThat(caller.request(name, p, LONG)).as(p.kind().name()).isEqualTo(p);
        }
    }

    @Test
    void theHandlerSeesTheCallerAndItsDeadline() {
        SwitchboardClient backend = SERVER.client();
        SwitchboardClient caller = SERVER.client();
        CompletableFuture<IncomingRequest> seen = new CompletableFuture<>();
        backend.serve(name, req -> {
            seen.complete(req);
            return CompletableFuture.completedFuture(Payload.ofUtf8("ok"));
        });
        assertThat(caller.request(name, Payload.ofUtf8("x"), Duration.ofSeconds(7)).utf8()).isEqualTo("ok");
        IncomingRequest req = seen.join();
        assertThat(req.name()).isEqualTo(name);
        assertThat(req.callerSession()).isEqualTo(caller.sessionId());
        assertThat(req.timeLeft()).isPositive().isLessThanOrEqualTo(Duration.ofSeconds(7));
        assertThat(req.notification()).isFalse();
    }

    @Test
    void anApplicationErrorReachesTheCallerWithItsData() {
        SwitchboardClient backend = SERVER.client();
        SwitchboardClient caller = SERVER.client();
        backend.serve(name, req -> {
            throw new ServiceError("out_of_stock", "no more widgets", ProtocolJson.MAPPER.readTree("{\"left\":0}"));
        });
        assertThatThrownBy(() -> caller.request(name, Payload.ofUtf8("x"), LONG))
                .isInstanceOfSatisfying(RpcException.class, e -> {
                    assertThat(e.code()).isEqualTo("out_of_stock");
                    assertThat(e.isApplicationError()).isTrue();
                    assertThat(e.getMessage()).contains("no more widgets");
                    assertThat(e.data().path("left").asInt(-1)).isZero();
                });
    }

    @Test
    void aHandlerThatFailsGivesInternalWithoutItsMessageAndKeepsServing() {
        SwitchboardClient backend = SERVER.client();
        SwitchboardClient caller = SERVER.client();
        AtomicInteger calls = new AtomicInteger();
        backend.serve(name, req -> {
            if (calls.incrementAndGet() == 1) {
                throw new IllegalStateException("secret detail");
            }
            return CompletableFuture.completedFuture(Payload.ofUtf8("fine"));
        });
        assertThatThrownBy(() -> caller.request(name, Payload.ofUtf8("x"), LONG))
                .isInstanceOfSatisfying(RpcException.class, e -> {
                    assertThat(e.code()).isEqualTo("internal");
                    assertThat(e.getMessage()).doesNotContain("secret detail");
                });
        assertThat(caller.request(name, Payload.ofUtf8("x"), LONG).utf8()).isEqualTo("fine");
    }

    @Test
    void nothingServingTheNameIsNoRespondersAtOnce() {
        SwitchboardClient caller = SERVER.client();
        long start = System.nanoTime();
        assertThatThrownBy(() -> caller.request(name, Payload.ofUtf8("x"), LONG))
                .isInstanceOfSatisfying(RpcException.class, e -> {
                    assertThat(e.code()).isEqualTo("no_responders");
                    assertThat(e.isApplicationError()).isFalse();
                });
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
        assertThatThrownBy(() -> caller.tell(name, Payload.ofUtf8("x")))
                .isInstanceOfSatisfying(RpcException.class, e -> assertThat(e.code()).isEqualTo("no_responders"));
    }

    @Test
    void anUnansweredRequestTimesOut() {
        SwitchboardClient backend = SERVER.client();
        SwitchboardClient caller = SERVER.client();
        backend.serve(name, req -> new CompletableFuture<>());
        assertThatThrownBy(() -> caller.request(name, Payload.ofUtf8("x"), Duration.ofMillis(150)))
                .isInstanceOfSatisfying(RpcException.class, e -> assertThat(e.code()).isEqualTo("timeout"));
    }

    @Test
    void aQueueGroupSharesTheRequests() {
        Map<String, AtomicInteger> share = new ConcurrentHashMap<>();
        for (int i = 0; i < 3; i++) {
            String member = "m" + i;
            share.put(member, new AtomicInteger());
            SERVER.client().serve(name, "workers", req -> {
                share.get(member).incrementAndGet();
                return CompletableFuture.completedFuture(Payload.ofUtf8(member));
            });
        }
        SwitchboardClient caller = SERVER.client();
        for (int i = 0; i < 30; i++) {
            caller.request(name, Payload.ofUtf8("x"), LONG);
        }
        assertThat(share.values()).allSatisfy(n -> assertThat(n.get()).isBetween(9, 11));
    }

    @Test
    void tellReachesTheHandlerWithoutAnAnswer() {
        SwitchboardClient backend = SERVER.client();
        SwitchboardClient caller = SERVER.client();
        CompletableFuture<IncomingRequest> seen = new CompletableFuture<>();
        backend.serve(name, req -> {
            seen.complete(req);
            return null;
        });
        caller.tell(name, Payload.ofUtf8("fire"));
        IncomingRequest req = seen.join();
        assertThat(req.notification()).isTrue();
        assertThat(req.payload().utf8()).isEqualTo("fire");
    }

    @Test
    void closingARegistrationStopsServing() {
        SwitchboardClient backend = SERVER.client();
        SwitchboardClient caller = SERVER.client();
        ServiceRegistration r = backend.serve(name, req -> CompletableFuture.completedFuture(Payload.ofUtf8("x")));
        assertThat(caller.request(name, Payload.ofUtf8("x"), LONG).utf8()).isEqualTo("x");
        r.close();
        assertThatThrownBy(() -> caller.request(name, Payload.ofUtf8("x"), LONG))
                .isInstanceOfSatisfying(RpcException.class, e -> assertThat(e.code()).isEqualTo("no_responders"));
    }

    @Test
    void aBackendThatGoesAwayMidCallIsDisconnected() {
        SwitchboardClient backend = SERVER.client();
        SwitchboardClient caller = SERVER.client();
        CompletableFuture<Void> arrived = new CompletableFuture<>();
        backend.serve(name, req -> {
            arrived.complete(null);
            return new CompletableFuture<>();
        });
        CompletableFuture<Payload> call = caller.requestAsync(name, Payload.ofUtf8("x"), LONG);
        arrived.join();
        backend.close();
        await().atMost(LONG).until(call::isDone);
        assertThat(call).isCompletedExceptionally();
        assertThatThrownBy(call::join).hasCauseInstanceOf(RpcException.class)
                .cause().satisfies(e -> assertThat(((RpcException) e).code()).isIn("disconnected", "no_responders"));
    }

    @Test
    void namedMessagesFromTheEmbeddingProgramReachTheListener() {
        SwitchboardClient c = SERVER.client();
        java.util.List<Notification> got = new java.util.concurrent.CopyOnWriteArrayList<>();
        c.addNotificationListener(got::add);
        assertThat(SERVER.sessions().send(c.sessionId(), "chat.message", Payload.ofUtf8("hi"))).isTrue();
        assertThat(SERVER.sessions().send(c.sessionId(), "chat.bytes", Payload.binary(new byte[] {1, 2}))).isTrue();
        await().atMost(LONG).until(() -> got.size() == 2);
        assertThat(got.get(0).name()).isEqualTo("chat.message");
        assertThat(got.get(0).payload().utf8()).isEqualTo("hi");
        assertThat(got.get(0).seq()).isPositive();
        assertThat(got.get(1).payload()).isEqualTo(Payload.binary(new byte[] {1, 2}));
    }
}
