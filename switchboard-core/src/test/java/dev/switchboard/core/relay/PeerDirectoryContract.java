package dev.switchboard.core.relay;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * What every {@link PeerDirectory} must do, whatever engine is behind it. An implementation's
 * test extends this class and says how to make a directory with the given bounds.
 */
public abstract class PeerDirectoryContract {
    /** A directory for at most {@code maxPeers} peers online and {@code maxWatchedIds} watched ids (0 = no bound). */
    protected abstract PeerDirectory newDirectory(int maxPeers, int maxWatchedIds);

    /** An endpoint that records being displaced. */
    protected static final class Endpoint implements PeerEndpoint {
        final List<String> displacedAs = new CopyOnWriteArrayList<>();

        @Override
        public void displaced(String peerId) {
            displacedAs.add(peerId);
        }
    }

    /** A listener that records every call, in order, as "+id" or "-id". */
    protected static final class Events implements PresenceListener {
        final List<String> seen = new CopyOnWriteArrayList<>();

        @Override
        public void online(String peerId) {
            seen.add("+" + peerId);
        }

        @Override
        public void offline(String peerId) {
            seen.add("-" + peerId);
        }
    }

    private static PeerDirectory.Claim claim(PeerDirectory.Claimed c) {
        assertThat(c).isInstanceOf(PeerDirectory.Claim.class);
        return (PeerDirectory.Claim) c;
    }

    private static PeerDirectory.Watch watch(PeerDirectory.Watched w) {
        assertThat(w).isInstanceOf(PeerDirectory.Watch.class);
        return (PeerDirectory.Watch) w;
    }

    @Test
    void aRegisteredPeerIsFoundUntilItsClaimCloses() {
        PeerDirectory dir = newDirectory(0, 0);
        Endpoint alice = new Endpoint();
        PeerDirectory.Claim c = claim(dir.register("alice", alice));
        assertThat(c.peerId()).isEqualTo("alice");
        assertThat(dir.find("alice")).containsSame(alice);
        assertThat(dir.find("bob")).isEmpty();
        assertThat(dir.size()).isEqualTo(1);
        c.close();
        c.close();
        assertThat(dir.find("alice")).isEmpty();
        assertThat(dir.size()).isZero();
    }

    @Test
    void theNewestRegistrationWinsAndALateCleanupCannotUnregisterItsSuccessor() {
        PeerDirectory dir = newDirectory(0, 0);
        Events events = new Events();
        watch(dir.watch(List.of("alice"), events));
        Endpoint old = new Endpoint();
        Endpoint newer = new Endpoint();
        PeerDirectory.Claim oldClaim = claim(dir.register("alice", old));
        claim(dir.register("alice", newer));

        assertThat(old.displacedAs).containsExactly("alice");
        assertThat(newer.displacedAs).isEmpty();
        assertThat(dir.find("alice")).containsSame(newer);

        oldClaim.close(); // the displaced connection cleans up late
        assertThat(dir.find("alice")).containsSame(newer);
        assertThat(events.seen).containsExactly("+alice"); // the peer never went offline
    }

    @Test
    void aWatchHearsWhoIsOnlineNowThenEveryChangeInOrderUntilClosed() {
        PeerDirectory dir = newDirectory(0, 0);
        PeerDirectory.Claim bob = claim(dir.register("bob", new Endpoint()));
        Events events = new Events();
        PeerDirectory.Watch w = watch(dir.watch(List.of("alice", "bob"), events));
        assertThat(events.seen).containsExactly("+bob");

        PeerDirectory.Claim alice = claim(dir.register("alice", new Endpoint()));
        claim(dir.register("carol", new Endpoint())); // not watched
        bob.close();
        alice.close();
        assertThat(events.seen).containsExactly("+bob", "+alice", "-bob", "-alice");
        assertThat(dir.watchCount()).isEqualTo(1);

        w.close();
        w.close();
        claim(dir.register("alice", new Endpoint()));
        assertThat(events.seen).hasSize(4);
        assertThat(dir.watchCount()).isZero();
    }

    @Test
    void boundsRefuseNewPeersAndWatchesButNotAReplacement() {
        PeerDirectory dir = newDirectory(2, 3);
        claim(dir.register("a", new Endpoint()));
        PeerDirectory.Claim b = claim(dir.register("b", new Endpoint()));
        assertThat(dir.register("c", new Endpoint())).isInstanceOf(PeerDirectory.Claimed.Refused.class);
        claim(dir.register("a", new Endpoint())); // a replacement adds no peer
        assertThat(dir.find("c")).isEmpty();
        b.close();
        claim(dir.register("c", new Endpoint()));

        PeerDirectory.Watch w = watch(dir.watch(List.of("x", "y"), new Events()));
        assertThat(dir.watch(List.of("p", "q"), new Events())).isInstanceOf(PeerDirectory.Watched.Refused.class);
        w.close();
        watch(dir.watch(List.of("p", "q", "r"), new Events()));
    }

    @Test
    void underConcurrentChangesEachWatcherEndsAgreeingWithTheDirectory() throws Exception {
        PeerDirectory dir = newDirectory(0, 0);
        List<String> ids = List.of("p0", "p1", "p2", "p3");
        Events events = new Events();
        PeerDirectory.Watch w = watch(dir.watch(ids, events));
        ExecutorService pool = Executors.newFixedThreadPool(6);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < 6; t++) {
                int thread = t;
                done.add(pool.submit(() -> {
                    for (int i = 0; i < 400; i++) {
                        PeerDirectory.Claim c = claim(dir.register(ids.get((thread + i) % ids.size()), new Endpoint()));
                        if (i % 3 != 0) c.close();
                    }
                }));
            }
            for (Future<?> f : done) f.get(60, TimeUnit.SECONDS);
        } finally {
            pool.shutdownNow();
        }
        // Per id, the events alternate online/offline, and the last one says what find() says now.
        Map<String, String> last = new HashMap<>();
        for (String e : events.seen) {
            String id = e.substring(1);
            String previous = last.put(id, e);
            if (previous != null) assertThat(previous.charAt(0)).isNotEqualTo(e.charAt(0));
            else assertThat(e).startsWith("+");
        }
        for (String id : ids) {
            boolean online = dir.find(id).isPresent();
            assertThat(last.get(id)).isEqualTo((online ? "+" : "-") + id);
        }
        w.close();
    }
}
