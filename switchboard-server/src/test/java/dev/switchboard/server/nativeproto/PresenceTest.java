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
 * {@code presence.subscribe} / {@code presence.unsubscribe} over JSON lines and WebSocket: the
 * snapshot in the answer, then {@code presence} events in order as peers come and go, by a list
 * of peer ids or a pattern; a session's peer id is its identity's name, or its session id when
 * anonymous.
 */
class PresenceTest {
    private static final String ACL = """
            {"identities": [
               {"name": "team.alice", "token": "t-alice", "publish": [">"], "subscribe": [">"]},
               {"name": "team.bob", "token": "t-bob", "publish": [">"], "subscribe": [">"]},
               {"name": "lead", "token": "t-lead", "subscribe": ["presence.team.*", "room.>"]}]}
            """;

    /** A short grace period, so that a closed connection's session (and its watches) ends soon. */
    @RegisterExtension
    static final TestServer SERVER = TestServer.perClass(b -> b.acl(Acl.parse(ACL)).sessionGrace(Duration.ofMillis(300)));

    private static NativeConn peer(String transport, String token) throws Exception {
        return SERVER.peer(transport, token);
    }

    private static List<String> ids(JsonNode list) {
        return PresenceTestIds.of(list);
    }

    /** The next {@code presence} event of {@code watch}, checked for its shape. */
    private static JsonNode presence(NativeConn c, String watch) throws Exception {
        JsonNode e = c.nextEvent();
        assertThat(e.path("op").asString()).as("%s", e).isEqualTo("presence");
        assertThat(e.path("watch").asString()).isEqualTo(watch);
        assertThat(e.path("seq").asLong()).isPositive();
        return e;
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"tcp", "websocket"})
    void aWatcherGetsWhoIsOnlineThenEachComingAndGoingInOrder(String transport) throws Exception {
        try (NativeConn alice = peer("tcp", "t-alice"); NativeConn watcher = peer(transport, null)) {
            JsonNode r = watcher.request("{\"op\":\"presence.subscribe\",\"id\":2,\"peers\":[\"team.alice\",\"team.bob\"]}", 2);
            String watch = r.at("/result/watch").asString();
            assertThat(watch).isNotEmpty();
            assertThat(ids(r.at("/result/online"))).containsExactly("team.alice");

            NativeConn bob = peer("tcp", "t-bob");
            JsonNode bobCame = presence(watcher, watch);
            assertThat(ids(bobCame.path("online"))).containsExactly("team.bob");
            assertThat(ids(bobCame.path("offline"))).isEmpty();

            alice.close();
            JsonNode aliceWent = presence(watcher, watch);
            assertThat(ids(aliceWent.path("offline"))).containsExactly("team.alice");
            assertThat(aliceWent.path("seq").asLong()).isGreaterThan(bobCame.path("seq").asLong());

            bob.close();
            assertThat(ids(presence(watcher, watch).path("offline"))).containsExactly("team.bob");
            assertThat(watcher.request("{\"op\":\"presence.unsubscribe\",\"id\":3,\"watch\":\"" + watch + "\"}", 3)
                    .has("result")).isTrue();
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"tcp", "websocket"})
    void aPatternWatchSeesIdentitiesAndAnAnonymousSessionGoesByItsSessionId(String transport) throws Exception {
        try (NativeConn watcher = peer(transport, null); NativeConn anonymous = SERVER.open("tcp")) {
            JsonNode r = watcher.request("{\"op\":\"presence.subscribe\",\"id\":2,\"pattern\":\"team.*\"}", 2);
            String teamWatch = r.at("/result/watch").asString();
            assertThat(ids(r.at("/result/online"))).isEmpty();
            try (NativeConn alice = peer("websocket", "t-alice")) {
                assertThat(ids(presence(watcher, teamWatch).path("online"))).containsExactly("team.alice");
            }
            assertThat(ids(presence(watcher, teamWatch).path("offline"))).containsExactly("team.alice");

            String sessionId = anonymous.request("{\"op\":\"hello\",\"id\":1,\"version\":1}", 1).path("session").asString();
            JsonNode bySession = watcher.request("{\"op\":\"presence.subscribe\",\"id\":3,\"peers\":[\"" + sessionId + "\"]}", 3);
            assertThat(ids(bySession.at("/result/online"))).containsExactly(sessionId);
            anonymous.close();
            JsonNode went = presence(watcher, bySession.at("/result/watch").asString());
            assertThat(ids(went.path("offline"))).containsExactly(sessionId);
        }
    }

    @Test
    void unsubscribingOrEndingTheSessionLeavesNoWatchBehind() throws Exception {
        try (NativeConn watcher = peer("tcp", null)) {
            String watch = watcher.request("{\"op\":\"presence.subscribe\",\"id\":2,\"pattern\":\">\"}", 2)
                    .at("/result/watch").asString();
            watcher.request("{\"op\":\"presence.subscribe\",\"id\":3,\"peers\":[\"x\"]}", 3);
            assertThat(SERVER.metric("switchboard_presence_watches")).isGreaterThanOrEqualTo(2);
            assertThat(watcher.request("{\"op\":\"presence.unsubscribe\",\"id\":4,\"watch\":\"" + watch + "\"}", 4)
                    .has("result")).isTrue();
            JsonNode again = watcher.request("{\"op\":\"presence.unsubscribe\",\"id\":5,\"watch\":\"" + watch + "\"}", 5);
            assertThat(again.at("/error/code").asString()).isEqualTo("invalid_argument");
        }
        // The session ended (after its grace period) and took its last watch with it.
        await().atMost(Duration.ofSeconds(5)).until(() -> SERVER.metric("switchboard_presence_watches") == 0);
    }

    @Test
    void malformedSubscriptionsAreRefusedAndTheConnectionGoesOn() throws Exception {
        try (NativeConn c = peer("tcp", null)) {
            String[] bad = {
                "{\"op\":\"presence.subscribe\",\"id\":2}",
                "{\"op\":\"presence.subscribe\",\"id\":2,\"peers\":[\"a\"],\"pattern\":\"a\"}",
                "{\"op\":\"presence.subscribe\",\"id\":2,\"peers\":[]}",
                "{\"op\":\"presence.subscribe\",\"id\":2,\"peers\":\"a\"}",
                "{\"op\":\"presence.subscribe\",\"id\":2,\"peers\":[1]}",
                "{\"op\":\"presence.subscribe\",\"id\":2,\"peers\":[\"a b\"]}",
                "{\"op\":\"presence.subscribe\",\"id\":2,\"pattern\":\"a.>.b\"}",
                "{\"op\":\"presence.unsubscribe\",\"id\":2}",
            };
            for (String json : bad) {
                assertThat(c.request(json, 2).at("/error/code").asString()).as(json).isEqualTo("invalid_argument");
            }
            assertThat(c.request("{\"op\":\"ping\",\"id\":3}", 3).path("op").asString()).isEqualTo("pong");
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"tcp", "websocket"})
    void topicPresenceCountsTheSubscribersOfATopicAndListsTheirPeerIds(String transport) throws Exception {
        String topic = "lobby." + transport;
        try (NativeConn alice = peer(transport, "t-alice"); NativeConn bob = peer("tcp", "t-bob"); NativeConn asker = peer(transport, null)) {
            alice.request("{\"op\":\"topic.subscribe\",\"id\":2,\"pattern\":\"" + topic + "\"}", 2);
            bob.request("{\"op\":\"signal.listen\",\"id\":2,\"pattern\":\"" + topic + "\",\"group\":\"g\"}", 2);
            JsonNode both = asker.request("{\"op\":\"topic.presence\",\"id\":2,\"topic\":\"" + topic + "\",\"list\":true}", 2);
            assertThat(both.at("/result/count").asInt()).isEqualTo(2);
            assertThat(ids(both.at("/result/members"))).containsExactlyInAnyOrder("team.alice", "team.bob");
            alice.request("{\"op\":\"topic.unsubscribe\",\"id\":3,\"pattern\":\"" + topic + "\"}", 3);
            JsonNode one = asker.request("{\"op\":\"topic.presence\",\"id\":3,\"topic\":\"" + topic + "\"}", 3);
            assertThat(one.at("/result/count").asInt()).isEqualTo(1);
            assertThat(one.at("/result").has("members")).isFalse();
            JsonNode bad = asker.request("{\"op\":\"topic.presence\",\"id\":4,\"topic\":\"a..b\"}", 4);
            assertThat(bad.at("/error/code").asString()).isEqualTo("invalid_argument");
        }
    }

    @Test
    void watchingPeersNeedsTheSubscribePermissionOnTheirPresence() throws Exception {
        try (NativeConn lead = peer("tcp", "t-lead"); NativeConn alice = peer("tcp", "t-alice")) {
            for (String json : List.of("{\"op\":\"presence.subscribe\",\"id\":2,\"pattern\":\">\"}",
                    "{\"op\":\"presence.subscribe\",\"id\":2,\"peers\":[\"team.alice\",\"boss\"]}",
                    "{\"op\":\"presence.subscribe\",\"id\":2,\"pattern\":\"room.>\"}")) {
                JsonNode refused = lead.request(json, 2);
                assertThat(refused.at("/error/code").asString()).as(json).isEqualTo("forbidden");
                assertThat(refused.at("/error/message").asString()).contains("lead").contains("presence.");
            }
            JsonNode byPattern = lead.request("{\"op\":\"presence.subscribe\",\"id\":3,\"pattern\":\"team.*\"}", 3);
            assertThat(ids(byPattern.at("/result/online"))).containsExactly("team.alice");
            JsonNode byId = lead.request("{\"op\":\"presence.subscribe\",\"id\":4,\"peers\":[\"team.alice\"]}", 4);
            assertThat(ids(byId.at("/result/online"))).containsExactly("team.alice");
            assertThat(SERVER.metric("switchboard_presence_watches")).isGreaterThanOrEqualTo(2);
        }
    }

    /**
     * More peers online than one answer holds (244 ids): the answer carries the first 244 and
     * {@code more: true}, and the rest come as {@code presence} events before any later change.
     */
    @Test
    void aSnapshotBiggerThanOneChunkArrivesWholeBeforeAnyChange() throws Exception {
        List<HttpSessionClient> sessions = new ArrayList<>();
        try (NativeConn watcher = peer("websocket", null)) {
            for (int i = 0; i < 300; i++) sessions.add(HttpSessionClient.create(SERVER.port()));
            java.util.Set<String> expected = new java.util.HashSet<>();
            sessions.forEach(s -> expected.add(s.session));
            JsonNode r = watcher.request("{\"op\":\"presence.subscribe\",\"id\":2,\"pattern\":\">\"}", 2);
            String watch = r.at("/result/watch").asString();
            assertThat(r.at("/result/more").asBoolean()).isTrue();
            assertThat(r.at("/result/online").size()).isEqualTo(244);
            java.util.Set<String> seen = new java.util.HashSet<>(ids(r.at("/result/online")));
            HttpSessionClient late = HttpSessionClient.create(SERVER.port());
            sessions.add(late);
            while (true) { // bounded by the reads' timeout
                JsonNode e = presence(watcher, watch);
                List<String> online = ids(e.path("online"));
                List<String> offline = ids(e.path("offline"));
                assertThat(online.size() + offline.size()).isLessThanOrEqualTo(244);
                assertThat(offline).doesNotContainAnyElementsOf(expected);
                if (online.contains(late.session)) {
                    assertThat(seen).as("the whole snapshot came before the later peer").containsAll(expected);
                    break;
                }
                for (String id : online) assertThat(seen.add(id)).as("%s told twice", id).isTrue();
            }
        } finally {
            for (HttpSessionClient s : sessions) s.delete();
        }
    }
}
