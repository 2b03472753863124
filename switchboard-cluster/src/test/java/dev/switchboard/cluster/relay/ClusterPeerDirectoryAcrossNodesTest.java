package dev.switchboard.cluster.relay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.switchboard.cluster.ClusterConnections;
import dev.switchboard.cluster.testing.EtcdServer;
import dev.switchboard.cluster.testing.NatsServer;
import dev.switchboard.cluster.testing.SharedEngines;
import dev.switchboard.core.relay.PeerDirectory;
import dev.switchboard.core.relay.PeerEndpoint;
import dev.switchboard.core.relay.PresenceListener;
import dev.switchboard.protocol.Payload;
import dev.switchboard.protocol.PayloadFields;
import io.etcd.jetcd.ByteSequence;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Several nodes, each its own directory with its own connections and node id, on one etcd and one
 * nats-server: peers, messages and presence cross nodes.
 */
class ClusterPeerDirectoryAcrossNodesTest {
    private static final AtomicInteger PREFIXES = new AtomicInteger();
    private static final Duration SOON = Duration.ofSeconds(10);
    private static NatsServer nats;
    private static EtcdServer etcd;
    private final List<AutoCloseable> opened = new ArrayList<>();
    private final String prefix = "across" + PREFIXES.incrementAndGet();

    @BeforeAll
    static void startEngines() {
        nats = SharedEngines.nats();
        etcd = SharedEngines.etcd();
    }

    @AfterEach
    void closeNodes() throws Exception {
        for (int i = opened.size() - 1; i >= 0; i--) opened.get(i).close();
    }

    /** A node: its own connections (closed last) and directory. */
    private record Node(ClusterConnections connections, ClusterPeerDirectory directory) {
    }

    private Node node(String nodeId, ClusterPeerSettings settings) throws Exception {
        ClusterConnections c = ClusterConnections.connect(nodeId, List.of(nats.url()), List.of(etcd.url()), Duration.ofSeconds(5));
        opened.add(c);
        ClusterPeerDirectory d = new ClusterPeerDirectory(c, settings);
        opened.add(d);
        return new Node(c, d);
    }

    private Node node(String nodeId) throws Exception {
        return node(nodeId, ClusterPeerSettings.defaults().withPrefix(prefix));
    }

    /** A peer's connection: records what it is sent and whether it was displaced. */
    private static final class Peer implements PeerEndpoint {
        final List<String> displacedAs = new CopyOnWriteArrayList<>();
        final List<Object[]> received = new CopyOnWriteArrayList<>();

        @Override
        public void displaced(String peerId) {
            displacedAs.add(peerId);
        }

        @Override
        public boolean deliver(String fromPeerId, Payload payload) {
            received.add(new Object[] {fromPeerId, payload});
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

    private static PeerDirectory.Claim claim(PeerDirectory.Claimed c) {
        assertThat(c).isInstanceOf(PeerDirectory.Claim.class);
        return (PeerDirectory.Claim) c;
    }

    @Test
    void aPeerOnOneNodeIsFoundFromAnotherAndItsMessagesArriveUnchangedWithTheSendersId() throws Exception {
        Node a = node("a");
        Node b = node("b");
        Peer alice = new Peer();
        String odd = "alice ü/x.y"; // white space, non-ASCII, a slash and a dot stay one id
        claim(a.directory().register(odd, alice));
        await().atMost(SOON).until(() -> b.directory().find(odd).isPresent());

        byte[] bytes = new byte[256];
        for (int i = 0; i < bytes.length; i++) bytes[i] = (byte) i;
        PeerEndpoint there = b.directory().find(odd).orElseThrow();
        assertThat(there.deliver("bob", Payload.binary(bytes))).isTrue();
        assertThat(there.deliver("bob", Payload.binary(new byte[0]))).isTrue();
        assertThat(there.deliver("bob", Payload.ofUtf8("héllo"))).isTrue();
        assertThat(there.deliver("bob", PayloadFields.fromValue(Map.of("n", 1)))).isTrue();

        await().atMost(SOON).until(() -> alice.received.size() == 4);
        Payload first = (Payload) alice.received.get(0)[1];
        assertThat(alice.received.get(0)[0]).isEqualTo("bob");
        assertThat(first.toByteArray()).isEqualTo(bytes);
        assertThat(first.kind()).isEqualTo(Payload.Kind.BINARY);
        assertThat(((Payload) alice.received.get(1)[1]).size()).isZero();
        assertThat(alice.received.get(2)[1]).isEqualTo(Payload.ofUtf8("héllo"));
        assertThat(((Payload) alice.received.get(2)[1]).kind()).isEqualTo(Payload.Kind.TEXT);
        Payload json = (Payload) alice.received.get(3)[1];
        assertThat(json.kind()).isEqualTo(Payload.Kind.JSON);
        assertThat(json.utf8()).isEqualTo("{\"n\":1}");
        assertThat(b.directory().size()).isEqualTo(1);
        assertThat(b.directory().localSize()).isZero();
    }

    @Test
    void presenceOfAPeerOnAnotherNodeIsSeenOnlineThenOffline() throws Exception {
        Node a = node("a");
        Node b = node("b");
        Events byId = new Events();
        Events byPattern = new Events();
        b.directory().watch(List.of("alice"), byId);
        b.directory().watchPattern("*", byPattern);

        PeerDirectory.Claim alice = claim(a.directory().register("alice", new Peer()));
        await().atMost(SOON).until(() -> byId.seen.equals(List.of("+alice")));
        alice.close();
        await().atMost(SOON).until(() -> byId.seen.equals(List.of("+alice", "-alice")));
        await().atMost(SOON).until(() -> byPattern.seen.equals(List.of("+alice", "-alice")));
        assertThat(b.directory().find("alice")).isEmpty();

        // A watch opened on another node later starts from who is online now.
        claim(a.directory().register("alice", new Peer()));
        await().atMost(SOON).until(() -> b.directory().find("alice").isPresent());
        Events late = new Events();
        b.directory().watch(List.of("alice", "nobody"), late);
        assertThat(late.seen).containsExactly("+alice");
    }

    @Test
    void theSameIdOnAnotherNodeDisplacesTheOlderConnectionAndNobodySeesItGoOffline() throws Exception {
        Node a = node("a");
        Node b = node("b");
        Node c = node("c");
        Events onC = new Events();
        Events onA = new Events();
        c.directory().watch(List.of("alice"), onC);
        a.directory().watch(List.of("alice"), onA);
        Peer first = new Peer();
        PeerDirectory.Claim older = claim(a.directory().register("alice", first));
        await().atMost(SOON).until(() -> b.directory().find("alice").isPresent() && c.directory().find("alice").isPresent());

        Peer second = new Peer();
        claim(b.directory().register("alice", second));
        await().atMost(SOON).until(() -> first.displacedAs.equals(List.of("alice")));
        assertThat(second.displacedAs).isEmpty();
        assertThat(a.directory().find("alice")).get().isNotSameAs(first);

        // Messages from every node now reach the newer connection.
        await().atMost(SOON).until(() -> c.directory().find("alice").map(e -> e.deliver("carol", Payload.ofUtf8("hi"))).orElse(false)
                && !second.received.isEmpty());
        a.directory().find("alice").orElseThrow().deliver("dave", Payload.ofUtf8("yo"));
        await().atMost(SOON).until(() -> second.received.stream().anyMatch(m -> m[0].equals("dave")));
        assertThat(first.received).isEmpty();

        // The displaced connection cleans up late: the key still names the newer node.
        older.close();
        await().atMost(SOON).until(() -> a.directory().pendingWrites() == 0);
        var kv = a.connections().etcd().getKVClient()
                .get(ByteSequence.from("/" + prefix + "/peers/alice", StandardCharsets.UTF_8)).get(5, TimeUnit.SECONDS).getKvs();
        assertThat(kv).hasSize(1);
        assertThat(kv.get(0).getValue().toString(StandardCharsets.UTF_8)).isEqualTo("b");
        assertThat(c.directory().find("alice")).isPresent();
        assertThat(onC.seen).containsExactly("+alice");
        assertThat(onA.seen).containsExactly("+alice");
    }

    @Test
    void theSameIdRegisteredOnTwoNodesAtOnceEndsWithOneOwnerThatEveryNodeAgreesOn() throws Exception {
        Node a = node("a");
        Node b = node("b");
        Node c = node("c");
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(2);
        try {
            for (int round = 0; round < 20; round++) {
                String id = "race" + round;
                Peer onA = new Peer();
                Peer onB = new Peer();
                java.util.concurrent.CountDownLatch go = new java.util.concurrent.CountDownLatch(1);
                var fa = pool.submit(() -> {
                    go.await();
                    return a.directory().register(id, onA);
                });
                var fb = pool.submit(() -> {
                    go.await();
                    return b.directory().register(id, onB);
                });
                go.countDown();
                claim(fa.get(10, TimeUnit.SECONDS));
                claim(fb.get(10, TimeUnit.SECONDS));
                // Exactly one is displaced, the key names the other's node, and every node sends there.
                await().atMost(SOON).until(() -> onA.displacedAs.size() + onB.displacedAs.size() == 1
                        && a.directory().pendingWrites() == 0 && b.directory().pendingWrites() == 0);
                Peer winner = onA.displacedAs.isEmpty() ? onA : onB;
                String winnerNode = winner == onA ? "a" : "b";
                var kv = c.connections().etcd().getKVClient()
                        .get(ByteSequence.from("/" + prefix + "/peers/" + id, StandardCharsets.UTF_8)).get(5, TimeUnit.SECONDS).getKvs();
                assertThat(kv.get(0).getValue().toString(StandardCharsets.UTF_8)).as(id).isEqualTo(winnerNode);
                for (Node from : List.of(a, b, c)) {
                    String sender = "from-" + from.connections().nodeId();
                    await().atMost(SOON).until(() -> from.directory().find(id).map(e -> e.deliver(sender, Payload.ofUtf8(id))).orElse(false));
                }
                await().atMost(SOON).until(() -> winner.received.size() == 3);
                assertThat((winner == onA ? onB : onA).received).as(id).isEmpty();
            }
        } finally {
            pool.shutdownNow();
        }
    }

    private ByteSequence key(String peerId) {
        return ByteSequence.from("/" + prefix + "/peers/" + peerId, StandardCharsets.UTF_8);
    }

    private String owner(Node on, String peerId) throws Exception {
        var kvs = on.connections().etcd().getKVClient().get(key(peerId)).get(5, TimeUnit.SECONDS).getKvs();
        return kvs.isEmpty() ? null : kvs.get(0).getValue().toString(StandardCharsets.UTF_8);
    }

    @Test
    void aKeyWrittenAfterOursByAnotherNodeDisplacesOursAndOneWrittenBeforeDoesNot() throws Exception {
        Node a = node("a");
        var kv = a.connections().etcd().getKVClient();
        kv.put(key("early"), ByteSequence.from("z", StandardCharsets.UTF_8)).get(5, TimeUnit.SECONDS); // node z, before us
        await().atMost(SOON).until(() -> a.directory().find("early").isPresent());
        Peer early = new Peer();
        claim(a.directory().register("early", early));
        await().atMost(SOON).until(() -> "a".equals(owner(a, "early")) && a.directory().pendingWrites() == 0);
        assertThat(early.displacedAs).isEmpty();
        assertThat(a.directory().find("early")).containsSame(early);

        Peer late = new Peer();
        claim(a.directory().register("late", late));
        await().atMost(SOON).until(() -> "a".equals(owner(a, "late")) && a.directory().pendingWrites() == 0);
        kv.put(key("late"), ByteSequence.from("z", StandardCharsets.UTF_8)).get(5, TimeUnit.SECONDS); // node z, after us
        await().atMost(SOON).until(() -> late.displacedAs.equals(List.of("late")));
        assertThat(a.directory().find("late")).get().isNotSameAs(late);
    }

    @Test
    void aKeyOfALivePeerDeletedUnderItIsWrittenAgain() throws Exception {
        Node a = node("a");
        Node b = node("b");
        Events events = new Events();
        b.directory().watch(List.of("alice"), events);
        claim(a.directory().register("alice", new Peer()));
        await().atMost(SOON).until(() -> events.seen.equals(List.of("+alice")));
        // What etcd does when the node's lease runs out while the peer is still connected.
        a.connections().etcd().getKVClient().delete(key("alice")).get(5, TimeUnit.SECONDS);
        await().atMost(SOON).until(() -> events.seen.equals(List.of("+alice", "-alice", "+alice")));
        assertThat(owner(b, "alice")).isEqualTo("a");
        assertThat(b.directory().find("alice")).isPresent();
    }

    @Test
    void aKilledNodesPeersGoOfflineOnTheOthersWhenItsLeaseRunsOut() throws Exception {
        Node doomed = node("doomed", ClusterPeerSettings.defaults().withPrefix(prefix).withLeaseTtlSeconds(1));
        Node b = node("b");
        Events events = new Events();
        b.directory().watchPattern(">", events);
        claim(doomed.directory().register("alice", new Peer()));
        claim(doomed.directory().register("bob", new Peer()));
        await().atMost(SOON).until(() -> events.seen.size() == 2);
        assertThat(events.seen).containsExactlyInAnyOrder("+alice", "+bob");

        // Dies without cleanup: its connections drop, nothing is deleted or revoked.
        doomed.connections().close();
        await().atMost(SOON).until(() -> events.seen.size() == 4);
        assertThat(events.seen.subList(2, 4)).containsExactlyInAnyOrder("-alice", "-bob");
        assertThat(b.directory().find("alice")).isEmpty();
        assertThat(b.directory().size()).isZero();
    }

    @Test
    void aMessageForAPeerThatLeftBetweenLookupAndDeliveryIsDroppedAndCounted() throws Exception {
        Node a = node("a");
        Node b = node("b");
        Peer alice = new Peer();
        PeerDirectory.Claim claim = claim(a.directory().register("alice", alice));
        await().atMost(SOON).until(() -> b.directory().find("alice").isPresent());
        PeerEndpoint stale = b.directory().find("alice").orElseThrow();
        claim.close();
        assertThat(stale.deliver("bob", Payload.ofUtf8("late"))).isTrue(); // published: NATS cannot tell
        await().atMost(SOON).until(() -> a.directory().droppedMessages() == 1);
        assertThat(alice.received).isEmpty();

        // Bytes on the node's subject that are not a direct message are counted and dropped; the node goes on.
        b.connections().nats().publish(new dev.switchboard.cluster.nats.NatsSubjects(prefix).single("relay", "a"), new byte[] {1, 2});
        await().atMost(SOON).until(() -> a.directory().malformedMessages() == 1);
        claim(a.directory().register("alice", alice));
        await().atMost(SOON).until(() -> b.directory().find("alice").map(e -> e.deliver("bob", Payload.ofUtf8("now"))).orElse(false)
                && !alice.received.isEmpty());
        assertThat(alice.received).allMatch(m -> m[0].equals("bob") && m[1].equals(Payload.ofUtf8("now")));
    }

    @Test
    void theCacheHoldsAtMostItsBoundOfPeersAndCountsTheOthers() throws Exception {
        Node a = node("a");
        Node small = node("small", ClusterPeerSettings.defaults().withPrefix(prefix).withMaxPeers(2, 0));
        List<String> hits = new CopyOnWriteArrayList<>();
        small.directory().onLimitHit(hits::add);
        for (String id : List.of("p1", "p2", "p3")) claim(a.directory().register(id, new Peer()));
        await().atMost(SOON).until(() -> small.directory().cacheFullDrops() == 1);
        assertThat(small.directory().size()).isEqualTo(2);
        assertThat(hits).containsExactly(ClusterPeerDirectory.CACHE_LIMIT);
        assertThat(small.directory().register("mine", new Peer())).isInstanceOf(PeerDirectory.Claimed.Refused.class);
        assertThat(small.directory().cacheFullDrops()).isEqualTo(2);
    }
}
