package dev.switchboard.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.switchboard.server.Switchboard;
import dev.switchboard.server.identity.Acl;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Presence through the Java client: a watch by ids and by pattern hears the snapshot and then who
 * comes and goes, in order; it survives a resume, is made again on a new session, rebuilds its
 * view after a server resync; and topic presence.
 */
class PresenceClientTest {
    private static final Duration LONG = Duration.ofSeconds(10);
    private static final String ACL = """
            {"identities": [
               {"name": "ids.a", "token": "t-ids-a", "subscribe": [">"]},
               {"name": "ids.b", "token": "t-ids-b", "subscribe": [">"]},
               {"name": "ids.c", "token": "t-ids-c", "subscribe": [">"]},
               {"name": "pat.a", "token": "t-pat-a", "subscribe": [">"]},
               {"name": "pat.b", "token": "t-pat-b", "subscribe": [">"]},
               {"name": "other.a", "token": "t-other-a", "subscribe": [">"]},
               {"name": "back.a", "token": "t-back-a", "subscribe": [">"]}]}
            """;

    @RegisterExtension
    static final LiveServer SERVER = new LiveServer(b -> b.acl(Acl.parse(ACL)));

    /** Every call the listener got, as text: "snapshot [..]", "+id", "-id", "resynced [..]". */
    private final List<String> heard = new CopyOnWriteArrayList<>();
    private final List<ConnectionEvent> states = new CopyOnWriteArrayList<>();

    private final PresenceListener recorder = new PresenceListener() {
        @Override
        public void snapshot(Set<String> online) {
            heard.add("snapshot " + new TreeSet<>(online));
        }

        @Override
        public void changed(Set<String> cameOnline, Set<String> wentOffline) {
            new TreeSet<>(cameOnline).forEach(id -> heard.add("+" + id));
            new TreeSet<>(wentOffline).forEach(id -> heard.add("-" + id));
        }

        @Override
        public void resynced(Set<String> online) {
            heard.add("resynced " + new TreeSet<>(online));
        }
    };

    private static SwitchboardClient as(String token) {
        return SERVER.client(b -> b.authToken(token));
    }

    /** Does {@code step}, then waits until the listener heard {@code expected} more calls. */
    private void step(Runnable step, String... expected) {
        int before = heard.size();
        step.run();
        await().atMost(LONG).until(() -> heard.size() >= before + expected.length);
        assertThat(heard.subList(before, heard.size())).containsExactly(expected);
    }

    @Test
    void aWatchOfIdsHearsTheSnapshotAndThenWhoComesAndGoesInOrder() {
        SwitchboardClient a = as("t-ids-a");
        SwitchboardClient watcher = SERVER.client();
        PresenceWatch watch = watcher.watchPresence(List.of("ids.a", "ids.b", "ids.c"), recorder);
        await().atMost(LONG).until(() -> heard.size() == 1);
        assertThat(heard).containsExactly("snapshot [ids.a]");
        assertThat(watch.online()).containsExactly("ids.a");
        assertThat(watch.peers()).containsExactly("ids.a", "ids.b", "ids.c");

        SwitchboardClient[] b = new SwitchboardClient[1];
        step(() -> b[0] = as("t-ids-b"), "+ids.b");
        step(a::close, "-ids.a");
        SwitchboardClient[] c = new SwitchboardClient[1];
        step(() -> c[0] = as("t-ids-c"), "+ids.c");
        step(() -> SERVER.client(x -> x.authToken("t-other-a")), new String[0]);
        step(b[0]::close, "-ids.b");
        assertThat(watch.online()).containsExactly("ids.c");

        watch.close();
        c[0].close();
        as("t-ids-a");
        await().during(Duration.ofMillis(150)).atMost(LONG).until(() -> heard.size() == 5);
    }

    @Test
    void aWatchOfAPatternHearsOnlyTheMatchingPeers() {
        SwitchboardClient watcher = SERVER.client();
        PresenceWatch watch = watcher.watchPresence("pat.*", recorder);
        assertThat(watch.pattern()).isEqualTo("pat.*");
        await().atMost(LONG).until(() -> heard.size() == 1);
        assertThat(heard).containsExactly("snapshot []");

        SwitchboardClient[] a = new SwitchboardClient[1];
        step(() -> a[0] = as("t-pat-a"), "+pat.a");
        SwitchboardClient other = as("t-other-a");
        SwitchboardClient anonymous = SERVER.client();
        SwitchboardClient[] b = new SwitchboardClient[1];
        step(() -> b[0] = as("t-pat-b"), "+pat.b");
        step(a[0]::close, "-pat.a");
        step(b[0]::close, "-pat.b");
        assertThat(watch.online()).isEmpty();
        assertThat(other.isConnected() && anonymous.isConnected()).isTrue();
    }

    @Test
    void aWatchSurvivesAResumeAndIsMadeAgainOnANewSession() throws Exception {
        try (TcpProxy proxy = new TcpProxy(SERVER.port())) {
            SwitchboardClient watcher = SERVER.client(proxy.port(), b -> b.onStateChange(states::add)
                    .reconnectBackoff(Duration.ofMillis(20), Duration.ofMillis(100)));
            PresenceWatch watch = watcher.watchPresence(List.of("back.a"), recorder);
            await().atMost(LONG).until(() -> heard.size() == 1);
            String firstWatch = watch.watchId();

            // A short cut: the session is resumed and keeps its watch.
            proxy.down();
            await().atMost(LONG).until(() -> has(ConnectionEvent.Type.DISCONNECTED));
            proxy.up();
            await().atMost(LONG).until(() -> has(ConnectionEvent.Type.RESUMED));
            SwitchboardClient[] a = new SwitchboardClient[1];
            step(() -> a[0] = as("t-back-a"), "+back.a");
            assertThat(watch.watchId()).isEqualTo(firstWatch);

            // The session ends while the client is cut off: it gets a new session and watches again.
            proxy.down();
            a[0].close();
            await().atMost(LONG).until(() -> states.stream().filter(e -> e.type() == ConnectionEvent.Type.DISCONNECTED).count() == 2);
            assertThat(SERVER.sessions().closeSession(watcher.sessionId(), "ended while away")).isTrue();
            int before = heard.size();
            SwitchboardClient back = as("t-back-a");
            proxy.up();
            await().atMost(LONG).until(() -> has(ConnectionEvent.Type.SESSION_LOST));
            await().atMost(LONG).until(() -> heard.size() > before);
            assertThat(heard.subList(before, heard.size())).containsExactly("resynced [back.a]");
            assertThat(watch.watchId()).isNotEqualTo(firstWatch);
            assertThat(watch.online()).containsExactly("back.a");
            step(back::close, "-back.a");
        }
    }

    @Test
    void topicPresenceCountsTheSubscriptionsAndNamesTheirPeers() {
        SwitchboardClient a = as("t-ids-a");
        SwitchboardClient b = as("t-ids-b");
        a.subscribe("room.1", m -> { });
        b.subscribe("room.1", m -> { });
        b.subscribe("room.*", m -> { });
        TopicPresence room = a.topicPresence("room.1");
        assertThat(room.count()).isEqualTo(2);
        assertThat(room.members()).containsExactlyInAnyOrder("ids.a", "ids.b");
        TopicPresence counted = a.topicPresence("room.*", false);
        assertThat(counted.count()).isEqualTo(1);
        assertThat(counted.members()).isEmpty();
    }

    @Test
    void aWatchNeedsIdsOrAPattern() {
        SwitchboardClient c = SERVER.client();
        assertThatThrownBy(() -> c.watchPresence(List.<String>of(), recorder)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> c.watchPresence(List.of("bad id with spaces"), recorder))
                .isInstanceOf(InvalidArgumentException.class);
    }

    @Test
    void afterAServerResyncTheViewIsRebuiltFromTheFreshSnapshot() throws Exception {
        try (Switchboard small = Switchboard.builder().port(0).shutdownTimeout(Duration.ofSeconds(1))
                .presenceMaxQueuedPerWatch(1).start();
             SwitchboardClient watcher = SwitchboardClient.connect("127.0.0.1", small.port())) {
            PresenceWatch watch = watcher.watchPresence(">", recorder);
            // Sessions that open and close at once, many at a time: with room for one waiting
            // change, the watch overflows and the server resyncs it.
            for (int round = 0; round < 20 && heard.stream().noneMatch(h -> h.startsWith("resynced")); round++) {
                List<Socket> peers = new ArrayList<>();
                for (int i = 0; i < 16; i++) {
                    peers.add(hello(small.port()));
                }
                for (Socket p : peers) {
                    p.close();
                }
                await().atMost(LONG).until(() -> watch.online().size() <= 1 || heard.stream().anyMatch(h -> h.startsWith("resynced")));
            }
            assertThat(heard).anyMatch(h -> h.startsWith("resynced"));
            try (SwitchboardClient stays = SwitchboardClient.connect("127.0.0.1", small.port())) {
                await().atMost(LONG).untilAsserted(() ->
                        assertThat(watch.online()).containsExactlyInAnyOrder(watcher.sessionId(), stays.sessionId()));
            }
        }
    }

    /** A raw native session that says hello and is then left open. */
    private static Socket hello(int port) throws IOException {
        Socket s = new Socket("127.0.0.1", port);
        OutputStream out = s.getOutputStream();
        out.write("{\"op\":\"hello\",\"id\":1,\"version\":1}\n".getBytes(StandardCharsets.UTF_8));
        out.flush();
        return s;
    }

    private boolean has(ConnectionEvent.Type type) {
        return states.stream().anyMatch(e -> e.type() == type);
    }
}
