package dev.switchboard.server.transport.relay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.switchboard.core.relay.InMemoryPeerDirectory;
import dev.switchboard.core.relay.PeerDirectory;
import dev.switchboard.core.relay.PeerEndpoint;
import dev.switchboard.core.relay.PresenceSettings;
import dev.switchboard.protocol.Payload;
import dev.switchboard.protocol.relay.RelayMessageType;
import dev.switchboard.protocol.relay.RelayPeerId;
import dev.switchboard.protocol.relay.RelayPeerStates;
import io.netty.channel.DefaultEventLoop;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A relay subscriber that falls behind ({@code --presence-max-queued-per-watch} exceeded) catches up
 * with the differences from a fresh snapshot, since the relay protocol has no "forget": who left
 * meanwhile comes as PeersWentOffline, who came as PeersOnline. Made deterministic by holding the
 * subscriber's event loop (where its changes are handed over) while peers churn, so the overflow
 * happens every run, then letting it go.
 */
class RelayPeerWatchCatchUpTest {
    private static final int PEERS = 20;
    private final DefaultEventLoop loop = new DefaultEventLoop();
    private final PeerDirectory directory = new InMemoryPeerDirectory(1000, 1000);
    private final List<RelayPeerStates> sent = new CopyOnWriteArrayList<>();
    private final AtomicInteger overflows = new AtomicInteger();
    private final Map<Integer, PeerDirectory.Claim> claims = new HashMap<>();
    private final List<RelayPeerId> ids = IntStream.range(0, PEERS).mapToObj(i -> RelayPeerId.hashOf("peer-" + i)).toList();

    @AfterEach
    void stop() {
        claims.values().forEach(PeerDirectory.Claim::close);
        loop.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }

    private static final PeerEndpoint NOWHERE = new PeerEndpoint() {
        @Override
        public void displaced(String peerId) {
        }

        @Override
        public boolean deliver(String fromPeerId, Payload payload) {
            return false;
        }
    };

    private void online(int i) {
        claims.put(i, (PeerDirectory.Claim) directory.register(ids.get(i).toString(), NOWHERE));
    }

    private void offline(int i) {
        claims.remove(i).close();
    }

    private static List<RelayPeerId> range(int from, int to) {
        return IntStream.range(from, to).mapToObj(i -> RelayPeerId.hashOf("peer-" + i)).toList();
    }

    private static List<Map.Entry<RelayMessageType, Set<RelayPeerId>>> asSets(List<RelayPeerStates> messages) {
        List<Map.Entry<RelayMessageType, Set<RelayPeerId>>> out = new ArrayList<>();
        for (RelayPeerStates m : messages) out.add(Map.entry(m.type(), Set.copyOf(m.peerIds())));
        return out;
    }

    /** The subscriber's view: every message applied in order, as a relay client keeps it. */
    private Set<RelayPeerId> view() {
        Set<RelayPeerId> view = new HashSet<>();
        for (RelayPeerStates m : sent) {
            if (m.type() == RelayMessageType.PEERS_ONLINE) view.addAll(m.peerIds());
            else view.removeAll(m.peerIds());
        }
        return view;
    }

    private Set<RelayPeerId> onlineNow() {
        Set<RelayPeerId> online = new HashSet<>();
        for (RelayPeerId id : ids) if (directory.find(id.toString()).isPresent()) online.add(id);
        return online;
    }

    @Test
    void aSubscriberThatFellBehindIsToldWhoLeftAndWhoCameAndItsViewEqualsWhoIsOnline() throws Exception {
        for (int i = 0; i < 10; i++) online(i);
        RelayPeerWatch watch = new RelayPeerWatch(directory, loop, new PresenceSettings(16, 1024, 1, RelayPeerStates.MAX_IDS_PER_MESSAGE),
                sent::add, overflows::incrementAndGet);
        assertThat(loop.submit(() -> watch.subscribe(ids)).get(5, TimeUnit.SECONDS)).isEqualTo(RelayPeerWatch.Subscribed.OK);
        assertThat(asSets(sent)).containsExactly(Map.entry(RelayMessageType.PEERS_ONLINE, Set.copyOf(range(0, 10))));

        // The subscriber's loop is held, so nothing is handed over while peers churn.
        CountDownLatch held = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        loop.execute(() -> {
            held.countDown();
            try {
                release.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        assertThat(held.await(5, TimeUnit.SECONDS)).isTrue();
        for (int i = 0; i < 5; i++) offline(i);      // left
        for (int i = 10; i < 15; i++) online(i);     // came
        online(15);                                  // came and went
        offline(15);
        offline(5);                                  // went and came back
        online(5);
        assertThat(overflows.get()).as("one overflow: after it nothing is recorded until the resync").isEqualTo(1);
        assertThat(sent).as("nothing handed over while the loop is held").hasSize(1);
        release.countDown();

        await().atMost(Duration.ofSeconds(5)).until(() -> sent.size() >= 3);
        // Ids within one message come in no particular order: compare them as sets.
        assertThat(loop.submit(() -> asSets(sent)).get(5, TimeUnit.SECONDS)).containsExactly(
                Map.entry(RelayMessageType.PEERS_ONLINE, Set.copyOf(range(0, 10))),
                Map.entry(RelayMessageType.PEERS_ONLINE, Set.copyOf(range(10, 15))),
                Map.entry(RelayMessageType.PEERS_WENT_OFFLINE, Set.copyOf(range(0, 5))));
        assertThat(view()).isEqualTo(onlineNow());

        // Recording goes on after the catch-up.
        offline(10);
        await().atMost(Duration.ofSeconds(5)).until(() -> sent.size() == 4);
        assertThat(sent.get(3)).isEqualTo(new RelayPeerStates(RelayMessageType.PEERS_WENT_OFFLINE, List.of(ids.get(10))));
        assertThat(view()).isEqualTo(onlineNow());
        assertThat(overflows.get()).isEqualTo(1);
        loop.submit(watch::closeAll).get(5, TimeUnit.SECONDS);
    }
}
