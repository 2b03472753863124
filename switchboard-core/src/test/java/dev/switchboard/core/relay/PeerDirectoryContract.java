package dev.switchboard.core.relay;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashMap;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;
import org.awaitility.Awaitility;
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

        @Override
        public boolean deliver(String fromPeerId, dev.switchboard.protocol.Payload payload) {
            return true; // the directory never delivers: only what it maps ids to is under test here
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

        @Override
        public void resynced(List<String> online) {
            seen.add("=" + String.join(",", online));
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

    // ---- presence streams over the directory -------------------------------------------------------

    /**
     * A subscriber's view built from a stream's batches, checking each one as a client would: an
     * online id must be new to the view, an offline id must be in it (events in order, none
     * repeated), and no batch holds more than {@code maxIds} ids.
     */
    protected static final class View implements PresenceSink {
        final Set<String> online = ConcurrentHashMap.newKeySet();
        final List<String> problems = new CopyOnWriteArrayList<>();
        final AtomicInteger resyncs = new AtomicInteger();
        final AtomicInteger batches = new AtomicInteger();
        final int maxIds;

        View(int maxIds) {
            this.maxIds = maxIds;
        }

        View start(List<String> snapshot) {
            online.addAll(snapshot);
            return this;
        }

        @Override
        public void changes(List<String> on, List<String> off) {
            batches.incrementAndGet();
            if (on.size() + off.size() > maxIds) problems.add("batch of " + (on.size() + off.size()) + " ids");
            for (String id : on) if (!online.add(id)) problems.add("online twice: " + id);
            for (String id : off) if (!online.remove(id)) problems.add("offline while not online: " + id);
        }

        @Override
        public void resync() {
            resyncs.incrementAndGet();
            online.clear();
        }
    }

    private static Set<String> onlineAmong(PeerDirectory dir, List<String> ids) {
        Set<String> on = new HashSet<>();
        for (String id : ids) if (dir.find(id).isPresent()) on.add(id);
        return on;
    }

    private static List<String> ids(String prefix, int n) {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < n; i++) ids.add(prefix + i);
        return ids;
    }

    private static void churn(PeerDirectory dir, List<String> ids, int threads, int rounds) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int thread = t;
                done.add(pool.submit(() -> {
                    for (int i = 0; i < rounds; i++) {
                        PeerDirectory.Claim c = claim(dir.register(ids.get((thread * 7 + i * 13) % ids.size()), new Endpoint()));
                        if ((i + thread) % 3 != 0) c.close();
                    }
                }));
            }
            for (Future<?> f : done) f.get(60, TimeUnit.SECONDS);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aStreamOpenedDuringAConnectDisconnectRaceGetsASnapshotThenOrderedChanges() throws Exception {
        ExecutorService drains = Executors.newFixedThreadPool(2);
        ExecutorService racer = Executors.newSingleThreadExecutor();
        try {
            for (int run = 0; run < 30; run++) {
                PeerDirectory dir = newDirectory(0, 0);
                List<String> ids = ids("r" + run + "-", 8);
                View view = new View(3);
                PresenceStream stream = new PresenceStream(view, drains, 1_000, 3, () -> { });
                Future<?> racing = racer.submit(() -> {
                    churn(dir, ids, 3, 200);
                    return null;
                });
                PresenceStream.Opened opened = stream.open(l -> dir.watch(ids, l));
                view.start(opened.online());
                stream.start();
                racing.get(60, TimeUnit.SECONDS);
                Awaitility.await().atMost(Duration.ofSeconds(20))
                        .untilAsserted(() -> assertThat(view.online).isEqualTo(onlineAmong(dir, ids)));
                assertThat(view.problems).isEmpty();
                stream.close();
                assertThat(dir.watchCount()).isZero();
            }
        } finally {
            drains.shutdownNow();
            racer.shutdownNow();
        }
    }

    @Test
    void aThousandPeersChurningLeaveEverySubscribersViewEqualToTheDirectory() throws Exception {
        PeerDirectory dir = newDirectory(0, 0);
        List<String> all = ids("p.", 1_000);
        ExecutorService drains = Executors.newFixedThreadPool(2);
        try {
            List<View> views = new ArrayList<>();
            List<PresenceStream> streams = new ArrayList<>();
            List<List<String>> watched = List.of(all, all.subList(0, 500), all.subList(250, 1_000));
            for (int i = 0; i < 4; i++) {
                View v = new View(100);
                PresenceStream s = new PresenceStream(v, drains, 2_000, 100, () -> { });
                List<String> these = i < 3 ? watched.get(i) : null;
                PresenceStream.Opened o = s.open(l -> these == null ? dir.watchPattern("p.>", l) : dir.watch(these, l));
                v.start(o.online());
                s.start();
                views.add(v);
                streams.add(s);
            }
            churn(dir, all, 4, 2_500);
            for (int i = 0; i < 4; i++) {
                View v = views.get(i);
                List<String> these = i < 3 ? watched.get(i) : all;
                Awaitility.await().atMost(Duration.ofSeconds(30))
                        .untilAsserted(() -> assertThat(v.online).isEqualTo(onlineAmong(dir, these)));
                assertThat(v.problems).isEmpty();
                assertThat(v.resyncs).hasValue(0);
            }
            streams.forEach(PresenceStream::close);
            assertThat(dir.watchCount()).isZero();
        } finally {
            drains.shutdownNow();
        }
    }

    /** An executor that runs nothing until told: a subscriber that does not take its batches. */
    private static final class Held implements Executor {
        final ArrayDeque<Runnable> tasks = new ArrayDeque<>();

        @Override
        public synchronized void execute(Runnable task) {
            tasks.add(task);
        }

        void runAll() {
            while (true) {
                Runnable r;
                synchronized (this) {
                    r = tasks.poll();
                }
                if (r == null) return;
                r.run();
            }
        }
    }

    /** Opens {@code stream} on {@code ids}, gives its snapshot to {@code view} and starts it. */
    private static PresenceStream started(PeerDirectory dir, List<String> ids, PresenceStream stream, View view) {
        view.start(stream.open(l -> dir.watch(ids, l)).online());
        stream.start();
        return stream;
    }

    @Test
    void aSubscriberThatFallsBehindGetsAResyncAndAFreshSnapshotWhileConnectsGoOn() {
        PeerDirectory dir = newDirectory(0, 0);
        List<String> ids = ids("o", 50);
        View view = new View(10);
        Held held = new Held();
        AtomicInteger overflows = new AtomicInteger();
        PresenceStream stream = started(dir, ids, new PresenceStream(view, held, 5, 10, overflows::incrementAndGet), view);
        List<PeerDirectory.Claim> claims = new ArrayList<>();
        for (String id : ids) claims.add(claim(dir.register(id, new Endpoint()))); // never waits for the subscriber
        claims.get(0).close();
        assertThat(dir.size()).isEqualTo(49);
        assertThat(overflows).hasValue(1);
        assertThat(stream.queued()).isZero(); // dropped, not kept

        held.runAll();
        assertThat(view.resyncs).hasValue(1);
        assertThat(view.online).isEqualTo(onlineAmong(dir, ids));
        assertThat(view.problems).isEmpty(); // the snapshot came in batches of at most 10

        claims.get(1).close(); // after the resync, changes flow again
        held.runAll();
        assertThat(view.online).doesNotContain("o1").hasSize(48);
        assertThat(view.problems).isEmpty();
        stream.close();
    }

    @Test
    void changesOfOnePeerWaitingTogetherCancelOutAndBatchesAreChunked() {
        PeerDirectory dir = newDirectory(0, 0);
        List<String> ids = ids("c", 25);
        View view = new View(10);
        Held held = new Held();
        PresenceStream stream = started(dir, ids, new PresenceStream(view, held, 100, 10, () -> { }), view);
        PeerDirectory.Claim flicker = claim(dir.register("c0", new Endpoint()));
        flicker.close(); // came and went before the subscriber took anything: nothing to tell
        for (String id : ids.subList(1, 25)) claim(dir.register(id, new Endpoint()));
        assertThat(stream.queued()).isEqualTo(24);
        held.runAll();
        assertThat(view.batches).hasValue(3); // 24 ids in batches of 10, 10 and 4
        assertThat(view.online).hasSize(24).doesNotContain("c0");
        assertThat(view.problems).isEmpty();
    }

    @Test
    void nothingIsLeftBehindAfterAStreamCloses() {
        PeerDirectory dir = newDirectory(0, 0);
        Held held = new Held();
        View view = new View(10);
        PresenceStream a = new PresenceStream(view, held, 10, 10, () -> { });
        PresenceStream b = new PresenceStream(view, held, 10, 10, () -> { });
        a.open(l -> dir.watch(List.of("x", "y"), l));
        b.open(l -> dir.watchPattern("x.>", l));
        a.start();
        b.start();
        claim(dir.register("x", new Endpoint()));
        claim(dir.register("x.1", new Endpoint()));
        assertThat(dir.watchCount()).isEqualTo(2);
        a.close();
        b.close();
        a.close();
        assertThat(dir.watchCount()).isZero();
        assertThat(a.queued()).isZero();
        assertThat(b.queued()).isZero();
        claim(dir.register("y", new Endpoint()));
        held.runAll();
        assertThat(view.batches).hasValue(0);
        // the bound on watched ids is all given back: a pattern weighs one
        PeerDirectory bounded = newDirectory(0, 3);
        PresenceStream p = new PresenceStream(view, held, 10, 10, () -> { });
        assertThat(p.open(l -> bounded.watchPattern(">", l)).refused()).isNull();
        assertThat(bounded.watch(List.of("a", "b", "c"), new Events())).isInstanceOf(PeerDirectory.Watched.Refused.class);
        p.close();
        assertThat(bounded.watch(List.of("a", "b", "c"), new Events())).isInstanceOf(PeerDirectory.Watch.class);
    }

    @Test
    void aResyncIsToldInTheWatchsOrder() {
        PeerDirectory dir = newDirectory(0, 0);
        Events events = new Events();
        PeerDirectory.Watch w = watch(dir.watchPattern("g.*", events));
        claim(dir.register("g.a", new Endpoint()));
        claim(dir.register("h.a", new Endpoint()));
        w.resync();
        claim(dir.register("g.b", new Endpoint()));
        assertThat(events.seen).containsExactly("+g.a", "=g.a", "+g.b");
        w.close();
        w.resync();
        assertThat(events.seen).hasSize(3);
    }
}
