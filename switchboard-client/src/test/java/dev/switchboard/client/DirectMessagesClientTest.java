package dev.switchboard.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.switchboard.protocol.Payload;
import dev.switchboard.server.identity.Acl;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Direct messages through the Java client: text and bytes both ways with the sender's peer id,
 * {@code peer_not_found}, delivery across a resume, and a session replaced by a newer one of the
 * same identity, which stops instead of reconnecting.
 */
class DirectMessagesClientTest {
    private static final Duration LONG = Duration.ofSeconds(10);
    private static final String ACL = """
            {"identities": [
               {"name": "team.alice", "token": "t-alice"},
               {"name": "team.bob", "token": "t-bob"},
               {"name": "solo.erin", "token": "t-erin", "unique": true}]}
            """;

    @RegisterExtension
    static final LiveServer SERVER = new LiveServer(b -> b.acl(Acl.parse(ACL)));

    private final List<PeerMessage> toAlice = new CopyOnWriteArrayList<>();
    private final List<PeerMessage> toBob = new CopyOnWriteArrayList<>();
    private final List<ConnectionEvent> states = new CopyOnWriteArrayList<>();

    private SwitchboardClient alice() {
        return SERVER.client(b -> b.authToken("t-alice").onPeerMessage(toAlice::add));
    }

    private SwitchboardClient bob() {
        return SERVER.client(b -> b.authToken("t-bob").onPeerMessage(toBob::add));
    }

    private static byte[] randomBytes(int size) {
        byte[] b = new byte[size];
        new Random(size).nextBytes(b);
        return b;
    }

    @Test
    void textAndBytesGoBothWaysByteForByteWithTheSendersPeerId() {
        SwitchboardClient alice = alice();
        SwitchboardClient bob = bob();
        byte[] big = randomBytes(64 * 1024);

        alice.send("team.bob", "hello bob");
        alice.send("team.bob", new byte[0]);
        alice.send("team.bob", big);
        bob.send("team.alice", "hello alice");
        bob.send("team.alice", new byte[0]);
        bob.send("team.alice", big);

        await().atMost(LONG).until(() -> toBob.size() == 3 && toAlice.size() == 3);
        for (List<PeerMessage> got : List.of(toBob, toAlice)) {
            String from = got == toBob ? "team.alice" : "team.bob";
            assertThat(got).extracting(PeerMessage::from).containsOnly(from);
            assertThat(got.get(0).payload().kind()).isEqualTo(Payload.Kind.TEXT);
            assertThat(got.get(0).text()).isEqualTo(got == toBob ? "hello bob" : "hello alice");
            assertThat(got.get(1).payload().kind()).isEqualTo(Payload.Kind.BINARY);
            assertThat(got.get(1).bytes()).isEmpty();
            assertThat(got.get(2).payload().kind()).isEqualTo(Payload.Kind.BINARY);
            assertThat(got.get(2).bytes()).isEqualTo(big);
            assertThat(got).extracting(PeerMessage::seq).isSorted().doesNotHaveDuplicates();
        }
    }

    @Test
    void anAnonymousClientIsReachedByItsSessionId() {
        List<PeerMessage> got = new CopyOnWriteArrayList<>();
        SwitchboardClient anon = SERVER.client(b -> b.onPeerMessage(got::add));
        SwitchboardClient alice = alice();
        alice.send(anon.sessionId(), "to a session");
        await().atMost(LONG).until(() -> got.size() == 1);
        assertThat(got.get(0).from()).isEqualTo("team.alice");
        anon.send("team.alice", "back");
        await().atMost(LONG).until(() -> toAlice.size() == 1);
        assertThat(toAlice.get(0).from()).isEqualTo(anon.sessionId());
        assertThat(toAlice.get(0).text()).isEqualTo("back");
    }

    @Test
    void aMessageToNobodyFailsWithPeerNotFoundAtOnce() {
        SwitchboardClient alice = alice();
        assertThatThrownBy(() -> alice.send("team.nobody", "anyone?"))
                .isInstanceOf(PeerNotFoundException.class)
                .extracting(e -> ((SwitchboardException) e).code()).isEqualTo("peer_not_found");
        assertThatThrownBy(() -> alice.sendAsync("team.nobody", Payload.binary(new byte[] {1})).join())
                .isInstanceOf(CompletionException.class).hasCauseInstanceOf(PeerNotFoundException.class);
        assertThat(alice.isConnected()).as("a refused message leaves the connection up").isTrue();
    }

    @Test
    void messagesKeepComingOnceEachAndInOrderAfterAReconnectThatResumes() throws Exception {
        try (TcpProxy proxy = new TcpProxy(SERVER.port())) {
            SwitchboardClient bob = SERVER.client(proxy.port(), b -> b.authToken("t-bob").onPeerMessage(toBob::add)
                    .reconnectBackoff(Duration.ofMillis(20), Duration.ofMillis(200)).onStateChange(states::add));
            SwitchboardClient alice = alice();
            List<String> sent = new ArrayList<>();
            for (int i = 1; i <= 3; i++) {
                alice.send("team.bob", "m" + i);
                sent.add("m" + i);
            }
            await().atMost(LONG).until(() -> toBob.size() == 3);
            String session = bob.sessionId();

            proxy.down();
            await().atMost(LONG).until(() -> has(ConnectionEvent.Type.DISCONNECTED));
            // Until the server notices the cut, a message still joins bob's session (and is
            // replayed on the resume); from then on bob is offline and the sender is told.
            boolean refused = false;
            for (int i = 4; i < 10_000 && !refused; i++) {
                try {
                    alice.send("team.bob", "m" + i);
                    sent.add("m" + i);
                } catch (PeerNotFoundException offline) {
                    refused = true;
                }
            }
            assertThat(refused).as("bob went offline while cut off").isTrue();
            proxy.up();
            await().atMost(LONG).until(() -> has(ConnectionEvent.Type.RESUMED));
            assertThat(bob.sessionId()).isEqualTo(session);

            alice.send("team.bob", "after");
            sent.add("after");
            await().atMost(LONG).until(() -> toBob.stream().anyMatch(m -> m.text().equals("after")));
            assertThat(toBob).extracting(PeerMessage::text).containsExactlyElementsOf(sent);
            assertThat(toBob).extracting(PeerMessage::seq).isSorted().doesNotHaveDuplicates();
        }
    }

    @Test
    void aClientReplacedByANewerSessionOfItsIdentityIsToldAndDoesNotReconnect() {
        SwitchboardClient first = SERVER.client(b -> b.authToken("t-erin").onStateChange(states::add)
                .reconnectBackoff(Duration.ofMillis(20), Duration.ofMillis(100)));
        String firstSession = first.sessionId();
        List<PeerMessage> toSecond = new CopyOnWriteArrayList<>();
        SwitchboardClient second = SERVER.client(b -> b.authToken("t-erin").onPeerMessage(toSecond::add));

        ConnectionClosedException why = first.closeFuture().orTimeout(10, java.util.concurrent.TimeUnit.SECONDS).join();
        assertThat(why.getCause()).isInstanceOf(SwitchboardException.class);
        assertThat(((SwitchboardException) why.getCause()).code()).isEqualTo("replaced");
        await().atMost(LONG).until(() -> has(ConnectionEvent.Type.CLOSED));
        ConnectionEvent closed = states.get(states.size() - 1);
        assertThat(closed.type()).isEqualTo(ConnectionEvent.Type.CLOSED);
        assertThat(closed.code()).isEqualTo("replaced");
        assertThat(first.isConnected()).isFalse();
        assertThatThrownBy(() -> first.send("team.alice", "x")).isInstanceOf(ConnectionClosedException.class);

        // Well past the backoff: had the first client reconnected, it would have replaced the second.
        SwitchboardClient alice = alice();
        await().during(Duration.ofMillis(150)).atMost(LONG).until(second::isConnected);
        alice.send("solo.erin", "to the newest");
        await().atMost(LONG).until(() -> toSecond.size() == 1);
        assertThat(second.sessionId()).isNotEqualTo(firstSession);
        assertThat(states).extracting(ConnectionEvent::type).containsExactly(ConnectionEvent.Type.CONNECTED,
                ConnectionEvent.Type.DISCONNECTED, ConnectionEvent.Type.CLOSED);
    }

    private boolean has(ConnectionEvent.Type type) {
        return states.stream().anyMatch(e -> e.type() == type);
    }
}
