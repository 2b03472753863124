package dev.switchboard.cluster.relay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.switchboard.cluster.ClusterConnections;
import dev.switchboard.cluster.testing.EtcdServer;
import dev.switchboard.cluster.testing.NatsServer;
import dev.switchboard.core.relay.PeerDirectory;
import dev.switchboard.core.relay.PeerEndpoint;
import dev.switchboard.core.relay.PresenceListener;
import dev.switchboard.protocol.Payload;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The engines restart under two nodes (their own etcd and nats-server, since the test kills them):
 * changes made while etcd was down reach the other node once it is back, and messages flow again
 * once NATS is back.
 */
class ClusterPeerDirectoryEngineRestartTest {
    private static final Duration BACK = Duration.ofSeconds(30);
    // An etcd just restarted by the other test may take seconds to answer its first calls on a
    // loaded CI host; joining waits that long rather than the default 5 s.
    private static final Duration CALL_TIMEOUT = Duration.ofSeconds(30);
    private static NatsServer nats;
    private static EtcdServer etcd;
    private final List<AutoCloseable> opened = new ArrayList<>();

    @BeforeAll
    static void startEngines() {
        nats = NatsServer.started();
        etcd = EtcdServer.started();
    }

    @AfterAll
    static void stopEngines() {
        if (nats != null) nats.close();
        if (etcd != null) etcd.close();
    }

    @AfterEach
    void closeNodes() throws Exception {
        for (int i = opened.size() - 1; i >= 0; i--) opened.get(i).close();
        if (!etcd.running()) etcd.start();
        if (!nats.running()) nats.start();
    }

    private ClusterPeerDirectory node(String nodeId, String prefix) throws Exception {
        ClusterConnections c = ClusterConnections.connect(nodeId, List.of(nats.url()), List.of(etcd.url()), CALL_TIMEOUT);
        opened.add(c);
        ClusterPeerDirectory d = new ClusterPeerDirectory(c,
                ClusterPeerSettings.defaults().withPrefix(prefix).withCallTimeout(CALL_TIMEOUT));
        opened.add(d);
        return d;
    }

    private static final class Inbox implements PeerEndpoint {
        final List<String> received = new CopyOnWriteArrayList<>();

        @Override
        public void displaced(String peerId) {
        }

        @Override
        public boolean deliver(String fromPeerId, Payload payload) {
            received.add(fromPeerId + ":" + payload.utf8());
            return true;
        }
    }

    private static final class Events implements PresenceListener {
        final List<String> seen = new CopyOnWriteArrayList<>();

        @Override
        public void online(String peerId) {
            seen.add("+" + peerId);
        }

        @Override
        public void offline(String peerId) {
            seen.add("-" + peerId);
        }

        @Override
        public void resynced(List<String> online) {
            seen.add("=" + String.join(",", online));
        }
    }

    @Test
    void changesMadeWhileEtcdWasDownReachTheOtherNodeWhenItIsBack() throws Exception {
        ClusterPeerDirectory a = node("a", "etcdrestart");
        ClusterPeerDirectory b = node("b", "etcdrestart");
        Events events = new Events();
        b.watch(List.of("alice", "bob"), events);
        PeerDirectory.Claim alice = (PeerDirectory.Claim) a.register("alice", new Inbox());
        await().atMost(BACK).until(() -> events.seen.equals(List.of("+alice")));

        etcd.kill();
        alice.close(); // both changes are this node's at once; etcd hears of them when it is back
        Inbox bob = new Inbox();
        assertThat(a.register("bob", bob)).isInstanceOf(PeerDirectory.Claim.class);
        assertThat(a.find("alice")).isEmpty();
        etcd.start();

        await().atMost(BACK).until(() -> events.seen.size() == 3);
        assertThat(events.seen.subList(1, 3)).containsExactlyInAnyOrder("-alice", "+bob");
        assertThat(b.find("alice")).isEmpty();
        b.find("bob").orElseThrow().deliver("carol", Payload.ofUtf8("after"));
        await().atMost(BACK).until(() -> bob.received.equals(List.of("carol:after")));
    }

    @Test
    void messagesFlowAgainAfterNatsRestarts() throws Exception {
        ClusterPeerDirectory a = node("a", "natsrestart");
        ClusterPeerDirectory b = node("b", "natsrestart");
        Inbox alice = new Inbox();
        a.register("alice", alice);
        await().atMost(BACK).until(() -> b.find("alice").isPresent());

        nats.kill();
        nats.start();
        // At most once: what was published while NATS was away may be lost, so send until one arrives.
        await().atMost(BACK).pollInterval(Duration.ofMillis(100)).until(() -> {
            b.find("alice").orElseThrow().deliver("bob", Payload.ofUtf8("again"));
            return !alice.received.isEmpty();
        });
        assertThat(alice.received).allMatch(m -> m.equals("bob:again"));
    }
}
