package dev.switchboard.server.nativeproto;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import tools.jackson.databind.JsonNode;

/**
 * HTTP webhooks as targets of request/reply (--rpc-webhook), against a JDK HTTP server on
 * loopback: what the webhook is sent, and each way its answer becomes the caller's outcome — a
 * result, an application error, an error status, a body that is no answer, a port nobody listens
 * on, a webhook that does not answer by the deadline — and that backends come first.
 */
class WebhookTest {
    private static final HookReceiver RECEIVER = new HookReceiver()
            .answer("/ok", 200, "{\"payload\":{\"invoice\":\"inv-9\"}}")
            .answer("/bytes", 200, "{\"payload_b64\":\"AAEC\"}")
            .answer("/refuses", 200, "{\"error\":{\"code\":\"out_of_stock\",\"message\":\"none left\",\"data\":{\"sku\":\"a-1\"}}}")
            .answer("/broken", 500, "{\"trace\":\"" + "x".repeat(600) + "\"}")
            .answer("/not-an-answer", 200, "{\"hello\":\"world\"}")
            .answer("/notify", 200, "{}")
            .hang("/hang");

    @RegisterExtension
    static final TestServer SERVER = TestServer.perClass(b -> b
            .rpcWebhook("wh.ok.>", RECEIVER.url("/ok"))
            .rpcWebhook("wh.bytes", RECEIVER.url("/bytes"))
            .rpcWebhook("wh.refuses", RECEIVER.url("/refuses"))
            .rpcWebhook("wh.broken", RECEIVER.url("/broken"))
            .rpcWebhook("wh.not-an-answer", RECEIVER.url("/not-an-answer"))
            .rpcWebhook("wh.notify.*", RECEIVER.url("/notify"))
            .rpcWebhook("wh.hang", RECEIVER.url("/hang"))
            .rpcWebhook("wh.closed", "http://127.0.0.1:" + HookReceiver.closedPort() + "/gone"));

    @AfterAll
    static void stopReceiver() {
        RECEIVER.close();
    }

    @Test
    void theWebhookIsSentTheCallAndItsAnswerIsTheResult() throws Exception {
        try (NativeConn caller = SERVER.open("tcp")) {
            String session = caller.hello(null).path("session").asString();
            JsonNode reply = caller.request("{\"op\":\"rpc.call\",\"id\":2,\"name\":\"wh.ok.create\","
                    + "\"payload\":{\"customer\":\"ada\"},\"timeout_ms\":4000}", 2);
            assertThat(reply.at("/result/payload/invoice").asString()).as("%s", reply).isEqualTo("inv-9");

            JsonNode sent = RECEIVER.next("/ok");
            assertThat(sent.path("rid").asString()).isNotEmpty();
            assertThat(sent.path("name").asString()).isEqualTo("wh.ok.create");
            assertThat(sent.at("/payload/customer").asString()).isEqualTo("ada");
            assertThat(sent.path("timeout_ms").asLong()).isBetween(1L, 4000L);
            assertThat(sent.at("/caller/session").asString()).isEqualTo(session);
            assertThat(sent.at("/caller/transport").asString()).isEqualTo("json");
        }
    }

    @Test
    void bytesTravelAsBase64BothWays() throws Exception {
        try (NativeConn caller = SERVER.open("websocket")) {
            caller.hello(null);
            JsonNode reply = caller.request("{\"op\":\"rpc.call\",\"id\":2,\"name\":\"wh.bytes\",\"payload_b64\":\"/w==\"}", 2);
            assertThat(reply.at("/result/payload_b64").asString()).as("%s", reply).isEqualTo("AAEC");
            assertThat(RECEIVER.next("/bytes").path("payload_b64").asString()).isEqualTo("/w==");
        }
    }

    @Test
    void anErrorInTheAnswerIsAnApplicationError() throws Exception {
        try (NativeConn caller = SERVER.open("tcp")) {
            caller.hello(null);
            JsonNode error = caller.request("{\"op\":\"rpc.call\",\"id\":2,\"name\":\"wh.refuses\"}", 2).path("error");
            assertThat(error.path("code").asString()).isEqualTo("out_of_stock");
            assertThat(error.path("message").asString()).isEqualTo("none left");
            assertThat(error.at("/data/sku").asString()).isEqualTo("a-1");
            assertThat(error.path("origin").asString()).isEqualTo("application");
        }
    }

    @Test
    void anErrorStatusIsWebhookFailedNamingTheStatusWithAShortExcerpt() throws Exception {
        try (NativeConn caller = SERVER.open("tcp")) {
            caller.hello(null);
            JsonNode error = caller.request("{\"op\":\"rpc.call\",\"id\":2,\"name\":\"wh.broken\"}", 2).path("error");
            assertThat(error.path("code").asString()).isEqualTo("webhook_failed");
            assertThat(error.path("message").asString()).contains("HTTP 500").contains("xxxx");
            assertThat(error.path("message").asString().length()).as("the body is cut short").isLessThan(400);
            assertThat(caller.request("{\"op\":\"ping\",\"id\":3}", 3).path("op").asString()).isEqualTo("pong");
        }
    }

    @Test
    void aBodyThatIsNoAnswerIsWebhookFailed() throws Exception {
        try (NativeConn caller = SERVER.open("tcp")) {
            caller.hello(null);
            JsonNode error = caller.request("{\"op\":\"rpc.call\",\"id\":2,\"name\":\"wh.not-an-answer\"}", 2).path("error");
            assertThat(error.path("code").asString()).isEqualTo("webhook_failed");
            assertThat(error.path("message").asString()).contains("HTTP 200").contains("payload");
        }
    }

    @Test
    void aWebhookNobodyListensOnIsWebhookFailed() throws Exception {
        try (NativeConn caller = SERVER.open("unix")) {
            caller.hello(null);
            JsonNode error = caller.request("{\"op\":\"rpc.call\",\"id\":2,\"name\":\"wh.closed\"}", 2).path("error");
            assertThat(error.path("code").asString()).isEqualTo("webhook_failed");
            assertThat(error.path("message").asString()).contains("connect");
        }
    }

    @Test
    void aWebhookThatDoesNotAnswerByTheDeadlineIsATimeout() throws Exception {
        try (NativeConn caller = SERVER.open("tcp")) {
            caller.hello(null);
            long started = System.nanoTime();
            JsonNode error = caller.request("{\"op\":\"rpc.call\",\"id\":2,\"name\":\"wh.hang\",\"timeout_ms\":150}", 2).path("error");
            assertThat(error.path("code").asString()).isEqualTo("timeout");
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(3));
            assertThat(RECEIVER.next("/hang").path("timeout_ms").asLong()).isBetween(1L, 150L);
        }
    }

    @Test
    void aNotifyIsPostedMarkedAsSuchAndAnsweredAtOnce() throws Exception {
        try (NativeConn sender = SERVER.open("tcp")) {
            sender.hello(null);
            JsonNode reply = sender.request("{\"op\":\"rpc.notify\",\"id\":2,\"name\":\"wh.notify.login\",\"payload\":\"ada\",\"ack\":true}", 2);
            assertThat(reply.path("result").isObject()).as("%s", reply).isTrue();
            JsonNode sent = RECEIVER.next("/notify");
            assertThat(sent.path("notify").asBoolean()).isTrue();
            assertThat(sent.has("rid")).isFalse();
            assertThat(sent.path("payload").asString()).isEqualTo("ada");
        }
    }

    @Test
    void aBackendServingTheNameComesBeforeTheWebhook() throws Exception {
        try (NativeConn backend = SERVER.open("tcp"); NativeConn caller = SERVER.open("tcp")) {
            backend.hello(null);
            caller.hello(null);
            backend.request("{\"op\":\"rpc.serve\",\"id\":2,\"pattern\":\"wh.ok.local\"}", 2);
            caller.send("{\"op\":\"rpc.call\",\"id\":2,\"name\":\"wh.ok.local\",\"payload\":\"x\"}");
            JsonNode request = backend.nextEvent();
            backend.request("{\"op\":\"rpc.respond\",\"id\":3,\"rid\":\"" + request.path("rid").asString()
                    + "\",\"payload\":\"from the backend\"}", 3);
            assertThat(caller.reply(2).at("/result/payload").asString()).isEqualTo("from the backend");
            assertThat(RECEIVER.waiting("/ok")).as("the webhook was not asked").isZero();
        }
    }

    @Test
    void eachWebhookRequestIsCountedByOutcome() throws Exception {
        try (NativeConn caller = SERVER.open("tcp")) {
            caller.hello(null);
            caller.request("{\"op\":\"rpc.call\",\"id\":2,\"name\":\"wh.broken\"}", 2);
            RECEIVER.next("/broken");
            Awaitility.await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(
                    SERVER.metric("switchboard_webhook_requests_total{outcome=\"webhook_failed\"}")).isGreaterThanOrEqualTo(1));
            assertThat(SERVER.metric("switchboard_rpc_calls_total{outcome=\"webhook_failed\"}")).isGreaterThanOrEqualTo(1);
        }
    }
}
