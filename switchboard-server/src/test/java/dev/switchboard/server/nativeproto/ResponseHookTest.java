package dev.switchboard.server.nativeproto;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import tools.jackson.databind.JsonNode;

/**
 * Response hooks (reply_to of rpc.call): the caller is answered {@code accepted} at once and the
 * call's outcome goes to another session (live, or in the replay of a resume), to a topic, or to
 * an allowed URL; a URL outside --rpc-hook-url-allow is refused {@code forbidden}.
 */
class ResponseHookTest {
    private static final AtomicInteger NAMES = new AtomicInteger();
    private static final HookReceiver RECEIVER = new HookReceiver()
            .answer("/hooks/done", 200, "{}")
            .answer("/hooks/broken", 500, "{}");

    @RegisterExtension
    static final TestServer SERVER = TestServer.perClass(b -> b.rpcHookUrlAllow(List.of(RECEIVER.url("/hooks/"))));

    @AfterAll
    static void stopReceiver() {
        RECEIVER.close();
    }

    private static String unique(String prefix) {
        return prefix + "." + NAMES.incrementAndGet();
    }

    @Test
    void theOutcomeGoesToAnotherSessionAndTheCallerIsNotTiedToIt() throws Exception {
        String svc = unique("reports");
        try (NativeConn backend = SERVER.open("unix"); NativeConn target = SERVER.open("websocket")) {
            backend.hello(null);
            String targetSession = target.hello(null).path("session").asString();
            serve(backend, svc);
            String rid;
            try (NativeConn caller = SERVER.open("tcp")) {
                caller.hello(null);
                JsonNode accepted = caller.request(callWithHook(2, svc, "{\"session\":\"" + targetSession + "\"}", ""), 2);
                assertThat(accepted.at("/result/accepted").asBoolean()).as("%s", accepted).isTrue();
                rid = accepted.at("/result/rid").asString();
            } // the caller goes: the call goes on
            JsonNode request = backend.nextEvent();
            assertThat(request.path("rid").asString()).isEqualTo(rid);
            respond(backend, 3, rid, "\"payload\":{\"rows\":3}");

            JsonNode result = target.nextEvent();
            assertThat(result.path("op").asString()).isEqualTo("rpc.result");
            assertThat(result.path("rid").asString()).isEqualTo(rid);
            assertThat(result.path("name").asString()).isEqualTo(svc);
            assertThat(result.at("/result/payload/rows").asInt()).isEqualTo(3);
            assertThat(result.path("seq").asLong()).isPositive();
        }
    }

    @Test
    void aSessionAwayWhenTheOutcomeComesGetsItInTheReplayOfItsResume() throws Exception {
        String svc = unique("jobs");
        try (NativeConn backend = SERVER.open("tcp"); NativeConn caller = SERVER.open("tcp")) {
            backend.hello(null);
            caller.hello(null);
            serve(backend, svc);
            String session;
            String key;
            try (NativeConn target = SERVER.open("tcp")) {
                JsonNode welcome = target.hello(null);
                session = welcome.path("session").asString();
                key = welcome.path("resume_key").asString();
            }
            String rid = caller.request(callWithHook(2, svc, "{\"session\":\"" + session + "\"}", ""), 2)
                    .at("/result/rid").asString();
            respond(backend, 3, backend.nextEvent().path("rid").asString(), "\"error\":{\"code\":\"no_rows\",\"message\":\"empty\"}");
            try (NativeConn back = SERVER.open("websocket")) {
                JsonNode welcome = back.hello(NativeConn.resume(session, key, 0));
                assertThat(welcome.path("recovered").asBoolean()).isTrue();
                JsonNode result = back.nextEvent();
                assertThat(result.path("op").asString()).isEqualTo("rpc.result");
                assertThat(result.path("rid").asString()).isEqualTo(rid);
                assertThat(result.at("/error/code").asString()).isEqualTo("no_rows");
                assertThat(result.at("/error/origin").asString()).isEqualTo("application");
            }
        }
    }

    @Test
    void aTimeoutIsAnOutcomeTheHookGetsToo() throws Exception {
        String svc = unique("slow");
        try (NativeConn backend = SERVER.open("tcp"); NativeConn caller = SERVER.open("tcp")) {
            backend.hello(null);
            String session = caller.hello(null).path("session").asString();
            serve(backend, svc);
            JsonNode accepted = caller.request(callWithHook(2, svc, "{\"session\":\"" + session + "\"}", ",\"timeout_ms\":100"), 2);
            assertThat(accepted.at("/result/accepted").asBoolean()).isTrue();
            JsonNode result = caller.nextEvent();
            assertThat(result.path("op").asString()).isEqualTo("rpc.result");
            assertThat(result.at("/error/code").asString()).isEqualTo("timeout");
        }
    }

    @Test
    void theStopWaitsForAHookCallInFlightAndTheHookGetsItsOutcome() throws Exception {
        TestServer stopping = TestServer.start(b -> b.shutdownTimeout(Duration.ofSeconds(20)));
        try (NativeConn backend = stopping.open("tcp"); NativeConn target = stopping.open("tcp")) {
            backend.hello(null);
            String session = target.hello(null).path("session").asString();
            serve(backend, "drained.job");
            try (NativeConn caller = stopping.open("tcp")) {
                caller.hello(null);
                caller.request(callWithHook(2, "drained.job", "{\"session\":\"" + session + "\"}", ""), 2);
            }
            String rid = backend.nextEvent().path("rid").asString();
            // No request of a caller waits for the call, yet the stop waits for it.
            CompletableFuture<Void> stopped = CompletableFuture.runAsync(() -> {
                try {
                    stopping.close();
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            Awaitility.await().during(Duration.ofMillis(150)).atMost(Duration.ofSeconds(2)).until(() -> !stopped.isDone());
            respond(backend, 3, rid, "\"payload\":\"finished\"");
            JsonNode result = target.nextEvent();
            assertThat(result.path("op").asString()).isEqualTo("rpc.result");
            assertThat(result.at("/result/payload").asString()).isEqualTo("finished");
            stopped.get(10, TimeUnit.SECONDS);
        } finally {
            stopping.close();
        }
    }

    @Test
    void aHookToASessionThatIsNotOpenIsRefusedAtOnce() throws Exception {
        try (NativeConn caller = SERVER.open("tcp")) {
            caller.hello(null);
            JsonNode error = caller.request(callWithHook(2, "any.name", "{\"session\":\"no-such-session\"}", ""), 2).path("error");
            assertThat(error.path("code").asString()).isEqualTo("session_not_found");
            JsonNode malformed = caller.request(callWithHook(3, "any.name", "{\"session\":\"a\",\"topic\":\"b\"}", ""), 3).path("error");
            assertThat(malformed.path("code").asString()).isEqualTo("invalid_argument");
        }
    }

    @Test
    void theOutcomeIsPublishedOnATopic() throws Exception {
        String svc = unique("builds");
        String topic = unique("builds.done");
        try (NativeConn listener = SERVER.open("tcp")) {
            listener.hello(null);
            listener.request("{\"op\":\"signal.listen\",\"id\":2,\"pattern\":\"builds.>\"}", 2);
            String rid = callAnsweredThroughHook(svc, "{\"topic\":\"" + topic + "\"}", "\"payload\":\"green\"");

            JsonNode message = listener.nextEvent();
            assertThat(message.path("channel").asString()).isEqualTo(topic);
            assertThat(message.at("/payload/rid").asString()).isEqualTo(rid);
            assertThat(message.at("/payload/name").asString()).isEqualTo(svc);
            assertThat(message.at("/payload/result/payload").asString()).isEqualTo("green");
        }
    }

    @Test
    void theOutcomeIsPostedToAnAllowedUrl() throws Exception {
        String svc = unique("exports");
        String rid = callAnsweredThroughHook(svc, "{\"url\":\"" + RECEIVER.url("/hooks/done") + "\"}", "\"payload_b64\":\"AAE=\"");

        JsonNode posted = RECEIVER.next("/hooks/done");
        assertThat(posted.path("rid").asString()).isEqualTo(rid);
        assertThat(posted.path("name").asString()).isEqualTo(svc);
        assertThat(posted.at("/result/payload_b64").asString()).isEqualTo("AAE=");
        Awaitility.await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(
                SERVER.metric("switchboard_rpc_hook_deliveries_total{hook=\"url\",outcome=\"delivered\"}")).isGreaterThanOrEqualTo(1));
    }

    @Test
    void aUrlThatAnswersAnErrorStatusIsCountedAsAFailedDelivery() throws Exception {
        double failedBefore = SERVER.metric("switchboard_rpc_hook_deliveries_total{hook=\"url\",outcome=\"failed\"}");
        callAnsweredThroughHook(unique("exports"), "{\"url\":\"" + RECEIVER.url("/hooks/broken") + "\"}", "\"payload\":\"x\"");
        RECEIVER.next("/hooks/broken");
        Awaitility.await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(
                SERVER.metric("switchboard_rpc_hook_deliveries_total{hook=\"url\",outcome=\"failed\"}")).isGreaterThan(failedBefore));
    }

    @Test
    void aUrlOutsideTheAllowListIsForbidden() throws Exception {
        try (NativeConn caller = SERVER.open("tcp")) {
            caller.hello(null);
            for (String url : List.of(RECEIVER.url("/admin"), RECEIVER.url("/hooks/../admin"),
                    "http://user@" + RECEIVER.url("/hooks/x").substring("http://".length()), "http://169.254.169.254/latest/")) {
                JsonNode error = caller.request(callWithHook(2, "any.name", "{\"url\":\"" + url + "\"}", ""), 2).path("error");
                assertThat(error.path("code").asString()).as(url).isEqualTo("forbidden");
            }
            assertThat(RECEIVER.waiting("/admin")).isZero();
        }
    }

    /** A backend serves {@code svc}, a caller calls it with {@code replyTo}, the backend answers; returns the rid. */
    private static String callAnsweredThroughHook(String svc, String replyTo, String answer) throws Exception {
        try (NativeConn backend = SERVER.open("tcp"); NativeConn caller = SERVER.open("tcp")) {
            backend.hello(null);
            caller.hello(null);
            serve(backend, svc);
            JsonNode accepted = caller.request(callWithHook(2, svc, replyTo, ""), 2);
            assertThat(accepted.at("/result/accepted").asBoolean()).as("%s", accepted).isTrue();
            respond(backend, 3, backend.nextEvent().path("rid").asString(), answer);
            return accepted.at("/result/rid").asString();
        }
    }

    private static String callWithHook(int id, String name, String replyTo, String more) {
        return "{\"op\":\"rpc.call\",\"id\":" + id + ",\"name\":\"" + name + "\",\"payload\":\"go\",\"reply_to\":" + replyTo + more + "}";
    }

    private static void serve(NativeConn backend, String pattern) throws Exception {
        JsonNode reply = backend.request("{\"op\":\"rpc.serve\",\"id\":\"s\",\"pattern\":\"" + pattern + "\"}", "s");
        assertThat(reply.path("op").asString()).as("%s", reply).isEqualTo("reply");
    }

    private static void respond(NativeConn backend, int id, String rid, String answer) throws Exception {
        JsonNode reply = backend.request("{\"op\":\"rpc.respond\",\"id\":" + id + ",\"rid\":\"" + rid + "\"," + answer + "}", id);
        assertThat(reply.path("op").asString()).as("%s", reply).isEqualTo("reply");
    }
}
