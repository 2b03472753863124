package dev.switchboard.server.nativeproto;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.server.identity.Acl;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.JsonNode;

/**
 * One session per peer id, newest wins, over every transport: a duplicate is replaced and told
 * why; and an identity that reconnects (a new session) while its old session is closing ends up
 * with the directory pointing at the new live session, online to presence, reachable by a
 * message — whichever of the two happens first, many times over.
 */
class PeerIdentityRaceTest {
    private static final int ROUNDS = 200;
    private static final long ROUNDS_BUDGET_MS = 90_000;

    @RegisterExtension
    static final TestServer SERVER = TestServer.perClass(b -> b.acl(Acl.parse(AliceAndBob.ACL)));

    static String[] transports() {
        return NativeConn.TRANSPORTS;
    }

    private static NativeConn as(String transport, String token) throws Exception {
        NativeConn c = SERVER.open(transport);
        JsonNode welcome = c.request("{\"op\":\"hello\",\"id\":1,\"version\":1,\"token\":\"" + token + "\"}", 1);
        assertThat(welcome.path("op").asString()).as("%s", welcome).isEqualTo("welcome");
        return c;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("transports")
    void aDuplicateIsReplacedAndTheNewestGetsTheMessages(String transport) throws Exception {
        try (NativeConn alice = as("tcp", "t-alice"); NativeConn first = as(transport, "t-bob");
             NativeConn second = as(transport, "t-bob")) {
            JsonNode told = first.nextEvent();
            assertThat(told.path("op").asString()).isEqualTo("error");
            assertThat(told.at("/error/code").asString()).isEqualTo("replaced");
            assertThat(alice.request("{\"op\":\"relay.send\",\"id\":2,\"to\":\"team.bob\",\"payload\":\"" + transport + "\"}", 2)
                    .has("result")).isTrue();
            JsonNode m = second.nextEvent();
            assertThat(m.path("op").asString()).isEqualTo("relay.message");
            assertThat(m.path("payload").asString()).isEqualTo(transport);
        }
    }

    @Test
    void aReconnectRacingTheOldSessionsCloseLeavesTheNewSessionOnlineAndReachable() throws Exception {
        long deadline = System.currentTimeMillis() + ROUNDS_BUDGET_MS;
        int rounds = 0;
        try (NativeConn alice = as("tcp", "t-alice")) {
            NativeConn old = as("tcp", "t-bob");
            for (; rounds < ROUNDS && System.currentTimeMillis() < deadline; rounds++) {
                String transport = NativeConn.TRANSPORTS[rounds % NativeConn.TRANSPORTS.length];
                NativeConn closing = old;
                // The old session ends (explicitly) while the same identity opens a new one.
                CompletableFuture<Void> close = CompletableFuture.runAsync(() -> {
                    try {
                        closing.send("{\"op\":\"session.close\",\"id\":9}");
                    } catch (Exception e) {
                        // Lost the race: the new session already replaced this one and the server closed
                        // its connection (team.bob names one peer), so there is nothing left to close.
                    }
                });
                NativeConn fresh = as(transport, "t-bob");
                close.get(5, TimeUnit.SECONDS);
                closing.close();

                JsonNode watch = alice.request("{\"op\":\"presence.subscribe\",\"id\":3,\"peers\":[\"team.bob\"]}", 3);
                assertThat(watch.at("/result/online").toString()).as("round %d (%s): online", rounds, transport)
                        .contains("team.bob");
                alice.request("{\"op\":\"presence.unsubscribe\",\"id\":4,\"watch\":\"" + watch.at("/result/watch").asString()
                        + "\"}", 4);
                JsonNode sent = alice.request("{\"op\":\"relay.send\",\"id\":2,\"to\":\"team.bob\",\"payload\":\"r" + rounds + "\"}", 2);
                assertThat(sent.has("result")).as("round %d (%s): %s", rounds, transport, sent).isTrue();
                JsonNode m = fresh.nextEvent();
                assertThat(m.path("payload").asString()).as("round %d (%s): the new session gets it", rounds, transport)
                        .isEqualTo("r" + rounds);
                old = fresh;
            }
            old.close();
        }
        assertThat(rounds).as("rounds run within the time budget").isGreaterThanOrEqualTo(50);
    }
}
