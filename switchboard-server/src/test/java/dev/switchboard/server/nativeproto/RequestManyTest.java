package dev.switchboard.server.nativeproto;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.core.rpc.RpcResult;
import dev.switchboard.protocol.Payload;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.JsonNode;

/**
 * {@code rpc.call_many} through the server: every member's outcome in one reply, a slow member's
 * timeout at the deadline (not later), {@code max_replies} cutting the wait short (the others'
 * answers then refused), a list of targets routed as {@code rpc.call} routes each, and
 * {@code no_responders} at once.
 */
class RequestManyTest {
    private static final AtomicInteger NAMES = new AtomicInteger();

    @RegisterExtension
    static final TestServer SERVER = TestServer.perClass(b -> b
            .onRequest("many.inproc.>", ctx -> CompletableFuture.completedFuture(
                    RpcResult.ok(Payload.ofUtf8("handler:" + ctx.payload().utf8())))));

    private static String unique(String prefix) {
        return prefix + "." + NAMES.incrementAndGet();
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"tcp", "websocket"})
    void everyMemberAnswersAndASlowOneIsATimeoutAtTheDeadline(String transport) throws Exception {
        String svc = unique("inventory");
        try (NativeConn a = SERVER.open(transport); NativeConn b = SERVER.open(transport);
             NativeConn slow = SERVER.open(transport); NativeConn caller = SERVER.open(transport)) {
            String sa = a.hello(null).path("session").asString();
            String sb = b.hello(null).path("session").asString();
            String sSlow = slow.hello(null).path("session").asString();
            caller.hello(null);
            for (NativeConn backend : List.of(a, b, slow)) serve(backend, svc + ".count", null);

            long started = System.nanoTime();
            caller.send("{\"op\":\"rpc.call_many\",\"id\":7,\"name\":\"" + svc + ".count\",\"payload\":{\"sku\":\"a-1\"},"
                    + "\"timeout_ms\":600}");
            for (NativeConn backend : List.of(a, b)) {
                JsonNode request = backend.nextEvent();
                assertThat(request.path("payload").path("sku").asString()).isEqualTo("a-1");
                respond(backend, 2, request.path("rid").asString(), "\"payload\":\"" + (backend == a ? 3 : 4) + "\"");
            }
            String slowRid = slow.nextEvent().path("rid").asString();
            JsonNode reply = caller.reply(7);
            long tookMs = (System.nanoTime() - started) / 1_000_000L;

            assertThat(reply.path("op").asString()).as(reply.toString()).isEqualTo("reply");
            assertThat(tookMs).as("the reply comes at the deadline, not before and not much later").isBetween(550L, 2_500L);
            Map<String, JsonNode> byMember = byMember(reply);
            assertThat(byMember).containsOnlyKeys(sa, sb, sSlow);
            assertThat(byMember.get(sa).path("payload").asString()).isEqualTo("3");
            assertThat(byMember.get(sb).path("payload").asString()).isEqualTo("4");
            assertThat(byMember.get(sSlow).at("/error/code").asString()).isEqualTo("timeout");
            for (JsonNode e : reply.at("/result/replies")) assertThat(e.path("target").asString()).isEqualTo(svc + ".count");
            assertThat(reply.at("/result/complete").asBoolean()).as("a member did not answer").isFalse();

            // Its answer after the deadline is refused, as for rpc.call.
            assertError(respond(slow, 3, slowRid, "\"payload\":\"late\""), "unknown_request", slowRid);
        }
    }

    @Test
    void maxRepliesEndsTheWaitAndTheOtherMembersAnswersAreRefused() throws Exception {
        String svc = unique("quote");
        try (NativeConn a = SERVER.open("tcp"); NativeConn b = SERVER.open("tcp"); NativeConn caller = SERVER.open("tcp")) {
            String sa = a.hello(null).path("session").asString();
            b.hello(null);
            caller.hello(null);
            serve(a, svc, null);
            serve(b, svc + ".>", null);
            serve(b, svc, null); // the same member through two registrations: asked once

            caller.send("{\"op\":\"rpc.call_many\",\"id\":5,\"name\":\"" + svc + "\",\"payload\":\"q\",\"max_replies\":1,"
                    + "\"timeout_ms\":30000}");
            JsonNode toA = a.nextEvent();
            JsonNode toB = b.nextEvent();
            respond(a, 2, toA.path("rid").asString(), "\"payload\":\"first\"");
            JsonNode reply = caller.reply(5);
            assertThat(reply.at("/result/replies").size()).as(reply.toString()).isEqualTo(1);
            assertThat(reply.at("/result/replies/0/member").asString()).isEqualTo(sa);
            assertThat(reply.at("/result/replies/0/payload").asString()).isEqualTo("first");
            assertThat(reply.at("/result/complete").asBoolean()).isFalse();
            assertError(respond(b, 3, toB.path("rid").asString(), "\"payload\":\"second\""), "unknown_request", "");
        }
    }

    @Test
    void aListOfTargetsIsRoutedNameByNameWithEachOutcome() throws Exception {
        String svc = unique("targets");
        try (NativeConn backend = SERVER.open("unix"); NativeConn caller = SERVER.open("websocket")) {
            String sBackend = backend.hello(null).path("session").asString();
            caller.hello(null);
            serve(backend, svc + ".up", null);

            caller.send("{\"op\":\"rpc.call_many\",\"id\":3,\"targets\":[\"" + svc + ".up\",\"many.inproc.x\",\"" + svc
                    + ".none\"],\"payload\":\"hi\",\"timeout_ms\":10000}");
            JsonNode request = backend.nextEvent();
            respond(backend, 2, request.path("rid").asString(), "\"error\":{\"code\":\"busy\",\"data\":{\"retry\":1}}");
            JsonNode reply = caller.reply(3);
            JsonNode replies = reply.at("/result/replies");
            assertThat(replies.size()).as(reply.toString()).isEqualTo(3);
            assertThat(replies.get(0).path("target").asString()).isEqualTo(svc + ".up");
            assertThat(replies.get(0).path("member").asString()).isEqualTo(sBackend);
            assertThat(replies.get(0).at("/error/code").asString()).isEqualTo("busy");
            assertThat(replies.get(0).at("/error/origin").asString()).isEqualTo("application");
            assertThat(replies.get(0).at("/error/data/retry").asInt()).isEqualTo(1);
            assertThat(replies.get(1).path("member").asString()).isEqualTo("in-process");
            assertThat(replies.get(1).path("payload").asString()).isEqualTo("handler:hi");
            assertThat(replies.get(2).at("/error/code").asString()).isEqualTo("no_responders");
            assertThat(replies.get(2).path("member").isNull()).isTrue();
            assertThat(reply.at("/result/complete").asBoolean()).isFalse();
        }
    }

    @Test
    void aNameServedByHandlersAndBackendsAsksEachOnceAndNothingServingIsNoRespondersAtOnce() throws Exception {
        try (NativeConn backend = SERVER.open("tcp"); NativeConn caller = SERVER.open("tcp")) {
            String sBackend = backend.hello(null).path("session").asString();
            caller.hello(null);
            String name = "many.inproc." + NAMES.incrementAndGet();
            serve(backend, name, "workers");

            caller.send("{\"op\":\"rpc.call_many\",\"id\":4,\"name\":\"" + name + "\",\"payload\":\"p\"}");
            JsonNode request = backend.nextEvent();
            respond(backend, 2, request.path("rid").asString(), "\"payload\":\"backend\"");
            JsonNode reply = caller.reply(4);
            Map<String, JsonNode> byMember = byMember(reply);
            assertThat(byMember.get("in-process").path("payload").asString()).isEqualTo("handler:p");
            assertThat(byMember.get(sBackend).path("payload").asString()).isEqualTo("backend");
            assertThat(reply.at("/result/complete").asBoolean()).isTrue();

            long started = System.nanoTime();
            assertError(caller.request("{\"op\":\"rpc.call_many\",\"id\":5,\"name\":\"" + unique("nobody")
                    + "\",\"timeout_ms\":20000}", 5), "no_responders", "nothing serves");
            assertThat((System.nanoTime() - started) / 1_000_000L).as("at once, not at the deadline").isLessThan(5_000L);

            assertError(caller.request("{\"op\":\"rpc.call_many\",\"id\":6,\"payload\":\"x\"}", 6), "invalid_argument", "name or targets");
            assertError(caller.request("{\"op\":\"rpc.call_many\",\"id\":7,\"targets\":[\"a.*\"]}", 7), "invalid_argument", "targets");
        }
    }

    // ---- helpers ------------------------------------------------------------------------------------

    private static Map<String, JsonNode> byMember(JsonNode reply) {
        Map<String, JsonNode> out = new HashMap<>();
        List<String> members = new ArrayList<>();
        for (JsonNode e : reply.at("/result/replies")) {
            members.add(e.path("member").asString());
            out.put(e.path("member").asString(), e);
        }
        assertThat(members).as("one entry per member: %s", reply).doesNotHaveDuplicates();
        return out;
    }

    static JsonNode respond(NativeConn backend, int id, String rid, String fields) throws Exception {
        return backend.request("{\"op\":\"rpc.respond\",\"id\":" + id + ",\"rid\":\"" + rid + "\"," + fields + "}", id);
    }

    static void serve(NativeConn c, String pattern, String group) throws Exception {
        JsonNode r = c.request("{\"op\":\"rpc.serve\",\"id\":\"serve\",\"pattern\":\"" + pattern + "\""
                + (group == null ? "" : ",\"group\":\"" + group + "\"") + "}", "serve");
        assertThat(r.path("op").asString()).as(r.toString()).isEqualTo("reply");
    }

    static void assertError(JsonNode message, String code, String messagePart) {
        assertThat(message.path("op").asString()).as("%s", message).isEqualTo("error");
        assertThat(message.at("/error/code").asString()).as("%s", message).isEqualTo(code);
        assertThat(message.at("/error/message").asString()).as("%s", message).contains(messagePart);
    }
}
