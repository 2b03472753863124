package dev.switchboard.server.nativeproto;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.core.rpc.RpcResult;
import dev.switchboard.protocol.Payload;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.JsonNode;

/**
 * Request/reply through the server, on real connections: every outcome of a call on the JSON-line
 * TCP, WebSocket and Unix socket transports (caller and backend on the same one), a backend on the
 * Unix socket serving a WebSocket caller, queue groups, the idempotent retry, resumes, in-process
 * handlers (throwing, failing, asynchronous), notifies and late responses.
 */
class RequestReplyTest {
    private static final AtomicInteger NAMES = new AtomicInteger();
    /** What the in-process signal handler received, by name. */
    private static final Map<String, BlockingQueue<String>> SIGNALS = new ConcurrentHashMap<>();
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    @RegisterExtension
    static final TestServer SERVER = TestServer.perClass(RequestReplyTest::withHandlers);

    /** The in-process handlers every server of this test has. */
    private static dev.switchboard.server.SwitchboardConfig.Builder withHandlers(
            dev.switchboard.server.SwitchboardConfig.Builder b) {
        return b.onRequest("inproc.echo", ctx -> CompletableFuture.completedFuture(RpcResult.ok(ctx.payload())))
                .onRequest("inproc.throws", ctx -> {
                    throw new IllegalStateException("secret detail of the handler");
                })
                .onRequest("inproc.never", ctx -> new CompletableFuture<>())
                .onRequest("inproc.fails", ctx -> CompletableFuture.failedFuture(new IllegalStateException("secret")))
                .onRequest("inproc.refuses", ctx -> CompletableFuture.completedFuture(
                        RpcResult.error("out_of_stock", "nothing left", "{\"sku\":\"a-1\"}")))
                // Answers later, from another thread, with what it knows of its caller.
                .onRequest("inproc.async.*", ctx -> CompletableFuture.supplyAsync(() -> RpcResult.ok(Payload.ofUtf8(
                                ctx.name() + "|" + ctx.sessionId() + "|" + ctx.transport() + "|" + ctx.payload().utf8())),
                        CompletableFuture.delayedExecutor(50, TimeUnit.MILLISECONDS)))
                .onSignal("inproc.signal.>", ctx -> SIGNALS.computeIfAbsent(ctx.name(), k -> new LinkedBlockingQueue<>())
                        .add(ctx.payload().utf8()));
    }

    private static String unique(String prefix) {
        return prefix + "." + NAMES.incrementAndGet();
    }

    // ---- every outcome, on three transports ------------------------------------------------------

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"tcp", "websocket", "unix"})
    void aResultReachesTheCallerInTheKindTheBackendSent(String transport) throws Exception {
        String svc = unique("billing");
        try (NativeConn backend = SERVER.open(transport); NativeConn caller = SERVER.open(transport)) {
            backend.hello(null);
            String callerSession = caller.hello(null).path("session").asString();
            serve(backend, svc + ".>", null);

            caller.send("{\"op\":\"rpc.call\",\"id\":10,\"name\":\"" + svc + ".invoice.create\",\"payload\":{\"amount\":12}}");
            JsonNode request = backend.nextEvent();
            assertThat(request.path("op").asString()).isEqualTo("rpc.request");
            assertThat(request.path("name").asString()).isEqualTo(svc + ".invoice.create");
            assertThat(request.path("payload").path("amount").asInt()).as("a JSON payload arrives as the same value").isEqualTo(12);
            assertThat(request.path("notify").asBoolean()).isFalse();
            assertThat(request.path("stream").asBoolean()).isFalse();
            assertThat(request.path("timeout_ms").asLong()).isBetween(1L, 30_000L);
            assertThat(request.path("caller").path("session").asString()).isEqualTo(callerSession);
            assertThat(request.path("seq").asLong()).isPositive();

            JsonNode answered = respond(backend, 11, request.path("rid").asString(), "\"payload\":[1,\"two\"]");
            assertThat(answered.path("op").asString()).as(answered.toString()).isEqualTo("reply");
            JsonNode reply = caller.reply(10);
            assertThat(reply.path("op").asString()).as(reply.toString()).isEqualTo("reply");
            assertThat(reply.path("result").path("payload").toString()).isEqualTo("[1,\"two\"]");

            // Bytes both ways, as base64 on this JSON transport.
            caller.send("{\"op\":\"rpc.call\",\"id\":12,\"name\":\"" + svc + ".blob\",\"payload_b64\":\"AAEC\"}");
            JsonNode binary = backend.nextEvent();
            assertThat(binary.path("payload_b64").asString()).isEqualTo("AAEC");
            respond(backend, 13, binary.path("rid").asString(), "\"payload_b64\":\"/w==\"");
            assertThat(caller.reply(12).path("result").path("payload_b64").asString()).isEqualTo("/w==");
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"tcp", "websocket", "unix"})
    void anApplicationErrorReachesTheCallerWithItsCodeDataAndOrigin(String transport) throws Exception {
        String svc = unique("billing");
        try (NativeConn backend = SERVER.open(transport); NativeConn caller = SERVER.open(transport)) {
            backend.hello(null);
            caller.hello(null);
            serve(backend, svc + ".*", null);
            caller.send(call(20, svc + ".get", "\"inv-7\"", ""));
            JsonNode request = backend.nextEvent();
            respond(backend, 21, request.path("rid").asString(),
                    "\"error\":{\"code\":\"not_found\",\"message\":\"no invoice inv-7\",\"data\":{\"id\":\"inv-7\"}}");
            JsonNode error = caller.reply(20);
            assertThat(error.path("op").asString()).isEqualTo("error");
            assertThat(error.at("/error/code").asString()).isEqualTo("not_found");
            assertThat(error.at("/error/message").asString()).isEqualTo("no invoice inv-7");
            assertThat(error.at("/error/data/id").asString()).isEqualTo("inv-7");
            assertThat(error.at("/error/origin").asString()).isEqualTo("application");

            // A code outside [a-z0-9_.-]{1,64} is the backend's mistake, not the caller's answer.
            caller.send(call(22, svc + ".get", "\"x\"", ""));
            JsonNode second = backend.nextEvent();
            assertError(respond(backend, 23, second.path("rid").asString(), "\"error\":{\"code\":\"Not Found\"}"),
                    "invalid_argument", "error.code");
            respond(backend, 24, second.path("rid").asString(), "\"payload\":\"ok\"");
            assertThat(caller.reply(22).at("/result/payload").asString()).isEqualTo("ok");
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"tcp", "websocket", "unix"})
    void aCallNobodyAnswersTimesOutAndTheLateAnswerIsRefusedAndCounted(String transport) throws Exception {
        String svc = unique("slow");
        try (NativeConn backend = SERVER.open(transport); NativeConn caller = SERVER.open(transport)) {
            backend.hello(null);
            caller.hello(null);
            serve(backend, svc, null);
            double lateBefore = metric("switchboard_rpc_late_replies_total");
            JsonNode timedOut = caller.request(call(30, svc, "\"x\"", ",\"timeout_ms\":150"), 30);
            assertError(timedOut, "timeout", "150 ms");
            JsonNode request = backend.nextEvent();
            assertError(respond(backend, 31, request.path("rid").asString(), "\"payload\":\"too late\""), "unknown_request", "ended");
            assertThat(metric("switchboard_rpc_late_replies_total")).isEqualTo(lateBefore + 1);
            assertThat(caller.request("{\"op\":\"ping\",\"id\":32}", 32).path("op").asString()).isEqualTo("pong");
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"tcp", "websocket", "unix"})
    void aNameNobodyServesIsAnsweredNoRespondersAtOnce(String transport) throws Exception {
        try (NativeConn caller = SERVER.open(transport)) {
            caller.hello(null);
            assertError(caller.request(call(40, unique("nobody"), "\"x\"", ""), 40), "no_responders", "nothing serves");
            assertError(caller.request(call(41, "bad.*", "\"x\"", ""), 41), "invalid_argument", "wildcards");
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"tcp", "websocket", "unix"})
    void aBackendThatGoesFailsItsCallsDisconnected(String transport) throws Exception {
        String svc = unique("fragile");
        try (NativeConn caller = SERVER.open(transport)) {
            caller.hello(null);
            NativeConn backend = SERVER.open(transport);
            backend.hello(null);
            serve(backend, svc, null);
            caller.send(call(50, svc, "\"x\"", ""));
            assertThat(backend.nextEvent().path("op").asString()).isEqualTo("rpc.request");
            backend.close();
            assertError(caller.reply(50), "disconnected", "went away");
            // Out of the registry while it is away: nothing else serves the name.
            assertError(caller.request(call(51, svc, "\"x\"", ""), 51), "no_responders", svc);
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"tcp", "websocket", "unix"})
    void aDrainRefusesNewCallsWaitsForCallsInFlightAndFailsTheRestAtItsDeadline(String transport) throws Exception {
        TestServer server = TestServer.start(b -> b.shutdownTimeout(Duration.ofMillis(800)));
        CompletableFuture<Void> closed = null;
        try (NativeConn backend = server.open(transport); NativeConn caller = server.open(transport)) {
            backend.hello(null);
            caller.hello(null);
            serve(backend, "drain.svc", null);
            caller.send(call(60, "drain.svc", "\"answered\"", ""));
            caller.send(call(61, "drain.svc", "\"unanswered\"", ""));
            Map<String, String> rids = new HashMap<>();
            for (int i = 0; i < 2; i++) {
                JsonNode r = backend.nextEvent();
                rids.put(r.path("payload").asString(), r.path("rid").asString());
            }
            server.drain();
            assertError(caller.request(call(62, "drain.svc", "\"new\"", ""), 62), "shutting_down", "shutting down");
            // A backend's answer still goes through during the drain.
            assertThat(respond(backend, 63, rids.get("answered"), "\"payload\":\"done\"").path("op").asString()).isEqualTo("reply");
            assertThat(caller.reply(60).at("/result/payload").asString()).isEqualTo("done");
            // The stop waits up to its deadline for the other call, then fails it.
            closed = CompletableFuture.runAsync(() -> {
                try {
                    server.close();
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            assertError(caller.reply(61), "shutting_down", "shutting down");
        } finally {
            if (closed != null) closed.get(10, TimeUnit.SECONDS);
            server.close();
        }
    }

    // ---- backends ---------------------------------------------------------------------------------

    @Test
    void aBackendOnTheUnixSocketServesACallerOnWebSocket() throws Exception {
        String svc = unique("local");
        try (NativeConn backend = SERVER.open("unix"); NativeConn browser = SERVER.open("websocket")) {
            backend.hello(null);
            browser.hello(null);
            serve(backend, svc + ".>", null);
            browser.send(call(70, svc + ".greet", "\"ada\"", ""));
            JsonNode request = backend.nextEvent();
            assertThat(request.at("/caller/transport").asString()).isEqualTo("ws");
            respond(backend, 71, request.path("rid").asString(), "\"payload\":\"hello " + request.path("payload").asString() + "\"");
            assertThat(browser.reply(70).at("/result/payload").asString()).isEqualTo("hello ada");
        }
    }

    @Test
    void aQueueGroupSharesCallsEvenly() throws Exception {
        String svc = unique("grp");
        String stop = unique("stop");
        int members = 3;
        int calls = 30;
        List<NativeConn> backends = new ArrayList<>();
        List<CompletableFuture<Void>> responders = new ArrayList<>();
        try (NativeConn caller = SERVER.open("tcp")) {
            caller.hello(null);
            for (int m = 0; m < members; m++) {
                NativeConn b = SERVER.open(m == 0 ? "unix" : m == 1 ? "websocket" : "tcp");
                b.hello(null);
                serve(b, svc + ".>", "workers");
                serve(b, stop + ".m" + m, null);
                backends.add(b);
                String me = "m" + m;
                // Answers each request with its own name, until it is notified to stop.
                responders.add(CompletableFuture.runAsync(() -> {
                    for (int n = 0; n <= calls; n++) {
                        JsonNode r = next(b);
                        if (r.path("notify").asBoolean()) return;
                        send(b, "{\"op\":\"rpc.respond\",\"id\":\"r" + n + "\",\"rid\":\"" + r.path("rid").asString()
                                + "\",\"payload\":\"" + me + "\"}");
                    }
                }));
            }
            Map<String, Integer> share = new HashMap<>();
            for (int i = 0; i < calls; i++) {
                JsonNode reply = caller.request(call(100 + i, svc + ".job", "\"" + i + "\"", ""), 100 + i);
                share.merge(reply.at("/result/payload").asString(), 1, Integer::sum);
            }
            assertThat(share).hasSize(members);
            assertThat(share.values()).allSatisfy(n -> assertThat(n).isBetween(calls / members - 1, calls / members + 1));
            for (int m = 0; m < members; m++) {
                assertThat(caller.request(notify(200 + m, stop + ".m" + m, ",\"ack\":true"), 200 + m).path("op").asString())
                        .isEqualTo("reply");
            }
            CompletableFuture.allOf(responders.toArray(CompletableFuture[]::new)).get(10, TimeUnit.SECONDS);
        } finally {
            for (NativeConn b : backends) b.close();
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"tcp", "websocket"})
    void anIdempotentCallIsRetriedOnAnotherMemberWhenItsBackendGoes(String transport) throws Exception {
        String svc = unique("retry");
        try (NativeConn caller = SERVER.open(transport); NativeConn a = SERVER.open(transport);
             NativeConn b = SERVER.open(transport)) {
            caller.hello(null);
            a.hello(null);
            b.hello(null);
            serve(a, svc, "g");
            serve(b, svc, "g");
            // Whichever member gets it first goes away; the other gets the same call.
            caller.send(call(80, svc, "\"once more\"", ",\"idempotent\":true"));
            CompletableFuture<JsonNode> atA = CompletableFuture.supplyAsync(() -> next(a));
            CompletableFuture<JsonNode> atB = CompletableFuture.supplyAsync(() -> next(b));
            JsonNode first = (JsonNode) CompletableFuture.anyOf(atA, atB).get(5, TimeUnit.SECONDS);
            boolean aFirst = atA.isDone() && atA.join() == first;
            (aFirst ? a : b).close();
            JsonNode retried = (aFirst ? atB : atA).get(5, TimeUnit.SECONDS);
            assertThat(retried.path("rid").asString()).isEqualTo(first.path("rid").asString());
            assertThat(retried.path("payload").asString()).isEqualTo("once more");
            respond(aFirst ? b : a, 81, retried.path("rid").asString(), "\"payload\":\"second member\"");
            assertThat(caller.reply(80).at("/result/payload").asString()).isEqualTo("second member");
        }
    }

    @Test
    void aBackendThatResumesServesAgainWithoutServingAgain() throws Exception {
        String svc = unique("resumed");
        try (NativeConn caller = SERVER.open("tcp")) {
            caller.hello(null);
            String session;
            String key;
            try (NativeConn backend = SERVER.open("tcp")) {
                JsonNode welcome = backend.hello(null);
                session = welcome.path("session").asString();
                key = welcome.path("resume_key").asString();
                serve(backend, svc, null);
            }
            // Away: out of the registry until it comes back.
            Awaitility.await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
                    assertError(caller.request(call(90, svc, "\"x\"", ""), 90), "no_responders", svc));
            try (NativeConn back = SERVER.open("websocket")) {
                back.hello(NativeConn.resume(session, key, 0));
                caller.send(call(91, svc, "\"again\"", ""));
                JsonNode request = back.nextEvent();
                assertThat(request.path("op").asString()).isEqualTo("rpc.request");
                respond(back, 92, request.path("rid").asString(), "\"payload\":\"back\"");
                assertThat(caller.reply(91).at("/result/payload").asString()).isEqualTo("back");
                // rpc.unserve takes it out for good.
                back.request("{\"op\":\"rpc.unserve\",\"id\":93,\"pattern\":\"" + svc + "\"}", 93);
                assertError(caller.request(call(94, svc, "\"x\"", ""), 94), "no_responders", svc);
            }
        }
    }

    @Test
    void onlyTheBackendACallWentToMayAnswerIt() throws Exception {
        String svc = unique("owned");
        try (NativeConn backend = SERVER.open("tcp"); NativeConn other = SERVER.open("tcp"); NativeConn caller = SERVER.open("tcp")) {
            backend.hello(null);
            other.hello(null);
            caller.hello(null);
            serve(backend, svc, null);
            caller.send(call(95, svc, "\"x\"", ""));
            String rid = backend.nextEvent().path("rid").asString();
            assertError(respond(other, 1, rid, "\"payload\":\"forged\""),
                    "unknown_request", rid);
            respond(backend, 2, rid, "\"payload\":\"real\"");
            assertThat(caller.reply(95).at("/result/payload").asString()).isEqualTo("real");
        }
    }

    @Test
    void overTheNativeHttpApiOutcomesAreStatusesAndAnHttpSessionCanServe() throws Exception {
        String svc = unique("http");
        HttpSessionClient caller = HttpSessionClient.create(SERVER.port());
        HttpSessionClient httpBackend = HttpSessionClient.create(SERVER.port());
        try (NativeConn backend = SERVER.open("tcp")) {
            backend.hello(null);
            serve(backend, svc + ".tcp", null);
            assertThat(caller.op("rpc.call", "{\"name\":\"" + svc + ".none\"}").status()).isEqualTo(503);

            CompletableFuture<HttpSessionClient.Resp> refused = caller.opAsync("rpc.call",
                    "{\"name\":\"" + svc + ".tcp\",\"payload\":\"x\"}", Duration.ofSeconds(10));
            JsonNode request = backend.nextEvent();
            respond(backend, 1, request.path("rid").asString(), "\"error\":{\"code\":\"no_credit\",\"data\":[1]}");
            HttpSessionClient.Resp r = refused.get(10, TimeUnit.SECONDS);
            assertThat(r.status()).as(r.toString()).isEqualTo(422);
            assertThat(r.json().path("code").asString()).isEqualTo("no_credit");
            assertThat(r.json().path("origin").asString()).isEqualTo("application");
            assertThat(r.json().path("data").get(0).asInt()).isEqualTo(1);

            // A session opened over HTTP serves, reading its requests by long-poll.
            httpBackend.ok("rpc.serve", "{\"pattern\":\"" + svc + ".polled\"}");
            backend.send(call(2, svc + ".polled", "\"over http\"", ""));
            JsonNode polled = httpBackend.poll(0, 5000).json().path("events").get(0);
            assertThat(polled.path("op").asString()).isEqualTo("rpc.request");
            httpBackend.ok("rpc.respond", "{\"rid\":\"" + polled.path("rid").asString() + "\",\"payload\":\"polled\"}");
            assertThat(backend.reply(2).at("/result/payload").asString()).isEqualTo("polled");
        } finally {
            caller.delete();
            httpBackend.delete();
        }
    }

    // ---- in-process handlers -----------------------------------------------------------------------

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"tcp", "websocket"})
    void aFailingHandlerGivesInternalAndTheConnectionKeepsWorking(String transport) throws Exception {
        try (NativeConn caller = SERVER.open(transport)) {
            caller.hello(null);
            JsonNode thrown = caller.request(call(1, "inproc.throws", "\"x\"", ""), 1);
            assertError(thrown, "internal", "failed");
            assertThat(thrown.toString()).doesNotContain("secret");
            JsonNode failed = caller.request(call(2, "inproc.fails", "\"x\"", ""), 2);
            assertError(failed, "internal", "failed");
            assertThat(failed.toString()).doesNotContain("secret");
            assertThat(caller.request(call(3, "inproc.echo", "{\"still\":true}", ""), 3).at("/result/payload/still").asBoolean())
                    .isTrue();
            JsonNode refused = caller.request(call(4, "inproc.refuses", "\"x\"", ""), 4);
            assertThat(refused.at("/error/code").asString()).isEqualTo("out_of_stock");
            assertThat(refused.at("/error/data/sku").asString()).isEqualTo("a-1");
            assertThat(refused.at("/error/origin").asString()).isEqualTo("application");
        }
    }

    @Test
    void aHandlerThatNeverAnswersTimesOut() throws Exception {
        try (NativeConn caller = SERVER.open("tcp")) {
            caller.hello(null);
            assertError(caller.request(call(1, "inproc.never", "\"x\"", ",\"timeout_ms\":100"), 1), "timeout", "100 ms");
        }
    }

    @Test
    void aCallWithoutTimeoutGetsTheDefaultAndALongerOneIsCutToTheMaximum() throws Exception {
        try (TestServer server = TestServer.start(b -> b.rpcDefaultTimeoutMs(100).rpcMaxTimeoutMs(200));
             NativeConn backend = server.open("tcp"); NativeConn caller = server.open("tcp")) {
            backend.hello(null);
            caller.hello(null);
            serve(backend, "quiet", null);
            assertError(caller.request(call(1, "quiet", "\"x\"", ""), 1), "timeout", "within 100 ms");
            assertError(caller.request(call(2, "quiet", "\"x\"", ",\"timeout_ms\":60000"), 2), "timeout", "within 200 ms");
            assertError(caller.request(call(3, "quiet", "\"x\"", ",\"timeout_ms\":0"), 3), "invalid_argument", "timeout_ms");
        }
    }

    @Test
    void aSessionServesAtMostMaxSubscriptionsPatterns() throws Exception {
        try (TestServer server = TestServer.start(b -> b.maxSubscriptions(1)); NativeConn backend = server.open("tcp")) {
            backend.hello(null);
            serve(backend, "one.>", null);
            serve(backend, "one.>", null); // the same registration again: idempotent
            assertError(backend.request("{\"op\":\"rpc.serve\",\"id\":2,\"pattern\":\"two.>\"}", 2),
                    "max_subscriptions", "--max-subscriptions");
            backend.request("{\"op\":\"rpc.unserve\",\"id\":3,\"pattern\":\"one.>\"}", 3);
            serve(backend, "two.>", null);
        }
    }

    @Test
    void anAsynchronousHandlerAnswersLaterWithItsCallersContext() throws Exception {
        try (NativeConn caller = SERVER.open("websocket")) {
            String session = caller.hello(null).path("session").asString();
            JsonNode reply = caller.request(call(1, "inproc.async.whoami", "\"hi\"", ""), 1);
            assertThat(reply.at("/result/payload").asString()).isEqualTo("inproc.async.whoami|" + session + "|ws|hi");
        }
    }

    @Test
    void inProcessHandlersComeBeforeBackends() throws Exception {
        try (NativeConn backend = SERVER.open("tcp"); NativeConn caller = SERVER.open("tcp")) {
            backend.hello(null);
            caller.hello(null);
            serve(backend, "inproc.echo", null);
            assertThat(caller.request(call(1, "inproc.echo", "\"mine\"", ""), 1).at("/result/payload").asString())
                    .isEqualTo("mine");
            backend.request("{\"op\":\"rpc.unserve\",\"id\":2,\"pattern\":\"inproc.echo\"}", 2);
        }
    }

    // ---- notify ---------------------------------------------------------------------------------------

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"tcp", "websocket", "unix"})
    void aNotifyReachesABackendOrAHandlerAndIsAcknowledgedOnRequest(String transport) throws Exception {
        String svc = unique("events");
        try (NativeConn backend = SERVER.open(transport); NativeConn sender = SERVER.open(transport)) {
            backend.hello(null);
            sender.hello(null);
            // Nothing serves it: fine without ack, no_responders with it.
            assertThat(sender.request(notify(1, svc, ""), 1).path("op").asString()).isEqualTo("reply");
            assertError(sender.request(notify(2, svc, ",\"ack\":true"), 2), "no_responders", svc);

            serve(backend, svc, null);
            assertThat(sender.request(notify(3, svc, ",\"ack\":true"), 3).path("op").asString()).isEqualTo("reply");
            JsonNode event = backend.nextEvent();
            assertThat(event.path("op").asString()).isEqualTo("rpc.request");
            assertThat(event.path("notify").asBoolean()).isTrue();
            assertThat(event.has("rid")).as("nothing answers a notify").isFalse();
            assertThat(event.path("payload").asString()).isEqualTo("ping");

            String signal = "inproc.signal." + NAMES.incrementAndGet();
            assertThat(sender.request(notify(4, signal, ",\"ack\":true"), 4).path("op").asString()).isEqualTo("reply");
            assertThat(SIGNALS.get(signal).poll(5, TimeUnit.SECONDS)).isEqualTo("ping");
        }
    }

    // ---- helpers ------------------------------------------------------------------------------------

    private static JsonNode next(NativeConn c) {
        try {
            return c.nextEvent();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static void send(NativeConn c, String json) {
        try {
            c.send(json);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** {@code rpc.respond} to {@code rid} with {@code fields} (a payload or an error, as JSON members). */
    private static JsonNode respond(NativeConn backend, int id, String rid, String fields) throws Exception {
        return backend.request("{\"op\":\"rpc.respond\",\"id\":" + id + ",\"rid\":\"" + rid + "\"," + fields + "}", id);
    }

    private static void serve(NativeConn c, String pattern, String group) throws Exception {
        JsonNode r = c.request("{\"op\":\"rpc.serve\",\"id\":\"serve\",\"pattern\":\"" + pattern + "\""
                + (group == null ? "" : ",\"group\":\"" + group + "\"") + "}", "serve");
        assertThat(r.path("op").asString()).as(r.toString()).isEqualTo("reply");
    }

    /** An {@code rpc.call} with a JSON payload value and extra fields (each starting with a comma). */
    private static String call(int id, String name, String payloadJson, String extra) {
        return "{\"op\":\"rpc.call\",\"id\":" + id + ",\"name\":\"" + name + "\",\"payload\":" + payloadJson + extra + "}";
    }

    private static String notify(int id, String name, String extra) {
        return "{\"op\":\"rpc.notify\",\"id\":" + id + ",\"name\":\"" + name + "\",\"payload\":\"ping\"" + extra + "}";
    }

    private static void assertError(JsonNode message, String code, String messagePart) {
        assertThat(message.path("op").asString()).as("%s", message).isEqualTo("error");
        assertThat(message.at("/error/code").asString()).as("%s", message).isEqualTo(code);
        assertThat(message.at("/error/message").asString()).as("%s", message).contains(messagePart);
    }

    /** A counter or gauge without labels, from the server's scrape. */
    private static double metric(String series) throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + SERVER.port() + "/metrics"))
                .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
        for (String line : r.body().split("\n")) {
            if (line.startsWith(series + " ")) return Double.parseDouble(line.substring(series.length() + 1).trim());
        }
        throw new AssertionError(series + " is not in the scrape");
    }
}
