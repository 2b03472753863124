package dev.switchboard.server.nativeproto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.switchboard.server.identity.Acl;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.JsonNode;

/**
 * Topic join/leave events on request ({@code topic.presence.subscribe}): a watcher hears
 * {@code topic.join} and {@code topic.leave} in order as sessions subscribe to and unsubscribe
 * from the topic, or end; the watch needs the {@code subscribe} permission on the topic; it ends
 * with {@code topic.presence.unsubscribe} or the session.
 */
class TopicJoinLeaveTest {
    private static final String ACL = """
            {"identities": [
               {"name": "team.alice", "token": "t-alice", "publish": [">"], "subscribe": [">"]},
               {"name": "guest", "token": "t-guest", "subscribe": ["public.>"]}]}
            """;

    @RegisterExtension
    static final TestServer SERVER = TestServer.perClass(b -> b.acl(Acl.parse(ACL)).sessionGrace(Duration.ofMillis(300)));

    private static NativeConn peer(String transport, String token) throws Exception {
        return SERVER.peer(transport, token);
    }

    private static JsonNode event(NativeConn c, String op, String topic) throws Exception {
        JsonNode e = c.nextEvent();
        assertThat(e.path("op").asString()).as("%s", e).isEqualTo(op);
        assertThat(e.path("topic").asString()).isEqualTo(topic);
        assertThat(e.path("seq").asLong()).isPositive();
        return e;
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"tcp", "websocket"})
    void aWatcherHearsEachJoinAndLeaveOfItsTopicInOrder(String transport) throws Exception {
        String topic = "room." + transport;
        try (NativeConn watcher = peer(transport, null); NativeConn alice = peer("tcp", "t-alice")) {
            JsonNode r = watcher.request("{\"op\":\"topic.presence.subscribe\",\"id\":2,\"topic\":\"" + topic + "\"}", 2);
            assertThat(r.at("/result/count").asLong()).isZero();

            alice.request("{\"op\":\"topic.subscribe\",\"id\":2,\"pattern\":\"" + topic + "\"}", 2);
            alice.request("{\"op\":\"topic.subscribe\",\"id\":3,\"pattern\":\"other." + transport + "\"}", 3);
            JsonNode joined = event(watcher, "topic.join", topic);
            assertThat(joined.path("peer").asString()).isEqualTo("team.alice");

            String anonymous;
            try (NativeConn anon = SERVER.open("tcp")) {
                anonymous = anon.request("{\"op\":\"hello\",\"id\":1,\"version\":1}", 1).path("session").asString();
                anon.request("{\"op\":\"signal.listen\",\"id\":2,\"pattern\":\"" + topic + "\",\"group\":\"g\"}", 2);
                assertThat(event(watcher, "topic.join", topic).path("peer").asString()).isEqualTo(anonymous);
                alice.request("{\"op\":\"topic.unsubscribe\",\"id\":4,\"pattern\":\"" + topic + "\"}", 4);
                JsonNode left = event(watcher, "topic.leave", topic);
                assertThat(left.path("peer").asString()).isEqualTo("team.alice");
                assertThat(left.path("seq").asLong()).isGreaterThan(joined.path("seq").asLong());
            }
            // The anonymous session ends after its grace period, and its subscription with it.
            assertThat(event(watcher, "topic.leave", topic).path("peer").asString()).isEqualTo(anonymous);

            assertThat(watcher.request("{\"op\":\"topic.presence.unsubscribe\",\"id\":3,\"topic\":\"" + topic + "\"}", 3)
                    .has("result")).isTrue();
            alice.request("{\"op\":\"topic.subscribe\",\"id\":5,\"pattern\":\"" + topic + "\"}", 5);
            // Unwatched now: the next thing the watcher gets is the pong, not a join.
            watcher.send("{\"op\":\"ping\",\"id\":4}");
            assertThat(watcher.read().path("op").asString()).isEqualTo("pong");
            JsonNode again = watcher.request("{\"op\":\"topic.presence.unsubscribe\",\"id\":5,\"topic\":\"" + topic + "\"}", 5);
            assertThat(again.at("/error/code").asString()).isEqualTo("invalid_argument");
        }
    }

    @Test
    void watchingNeedsTheSubscribePermissionOnTheTopic() throws Exception {
        try (NativeConn guest = peer("tcp", "t-guest")) {
            JsonNode refused = guest.request("{\"op\":\"topic.presence.subscribe\",\"id\":2,\"topic\":\"private.room\"}", 2);
            assertThat(refused.at("/error/code").asString()).isEqualTo("forbidden");
            assertThat(refused.at("/error/message").asString()).contains("guest").contains("private.room");
            assertThat(guest.request("{\"op\":\"topic.presence.subscribe\",\"id\":3,\"topic\":\"public.room\"}", 3)
                    .has("result")).isTrue();
        }
    }

    @Test
    void malformedWatchesAreRefusedAndTheConnectionGoesOn() throws Exception {
        try (NativeConn c = peer("tcp", null)) {
            for (String json : List.of("{\"op\":\"topic.presence.subscribe\",\"id\":2}",
                    "{\"op\":\"topic.presence.subscribe\",\"id\":2,\"topic\":\"a..b\"}",
                    "{\"op\":\"topic.presence.subscribe\",\"id\":2,\"topic\":7}",
                    "{\"op\":\"topic.presence.unsubscribe\",\"id\":2,\"topic\":\"never.watched\"}")) {
                assertThat(c.request(json, 2).at("/error/code").asString()).as(json).isEqualTo("invalid_argument");
            }
            assertThat(c.request("{\"op\":\"ping\",\"id\":3}", 3).path("op").asString()).isEqualTo("pong");
        }
    }

    /**
     * Many subscribers joining and leaving at once: the watcher's events, in order, always leave
     * the count it derives equal to the topic's, and each peer's leave follows its join.
     */
    @Test
    void underChurnTheEventsKeepEachPeersOrderAndAddUpToTheCount() throws Exception {
        String topic = "busy.room";
        try (NativeConn watcher = peer("websocket", null)) {
            assertThat(watcher.request("{\"op\":\"topic.presence.subscribe\",\"id\":2,\"topic\":\"" + topic + "\"}", 2)
                    .at("/result/count").asLong()).isZero();
            List<HttpSessionClient> subscribers = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                HttpSessionClient s = HttpSessionClient.create(SERVER.port());
                s.ok("topic.subscribe", "{\"pattern\":\"" + topic + "\"}");
                subscribers.add(s);
            }
            for (int i = 0; i < 40; i += 2) subscribers.get(i).ok("topic.unsubscribe", "{\"pattern\":\"" + topic + "\"}");
            for (int i = 1; i < 40; i += 4) assertThat(subscribers.get(i).delete().status()).isEqualTo(204);

            java.util.Map<String, String> last = new java.util.HashMap<>();
            int count = 0;
            long seq = 0;
            for (int events = 0; events < 70; events++) {
                JsonNode e = watcher.nextEvent();
                assertThat(e.path("seq").asLong()).isGreaterThan(seq);
                seq = e.path("seq").asLong();
                String peer = e.path("peer").asString();
                String op = e.path("op").asString();
                String before = last.put(peer, op);
                if (op.equals("topic.join")) {
                    assertThat(before).as("a join of %s follows nothing or its leave", peer).isNull();
                    count++;
                } else {
                    assertThat(before).as("a leave of %s follows its join", peer).isEqualTo("topic.join");
                    count--;
                }
            }
            assertThat(count).isEqualTo(10);
            assertThat(last.values().stream().filter("topic.join"::equals).count()).isEqualTo(10);
            try (NativeConn asker = peer("tcp", null)) {
                assertThat(asker.request("{\"op\":\"topic.presence\",\"id\":2,\"topic\":\"" + topic + "\"}", 2)
                        .at("/result/count").asLong()).isEqualTo(count);
            }
            for (int i = 3; i < 40; i += 4) subscribers.get(i).delete();
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> SERVER.metric("switchboard_topic_presence_watches") == 0);
    }
}
