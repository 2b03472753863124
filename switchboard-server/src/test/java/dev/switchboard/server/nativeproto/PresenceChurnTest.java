package dev.switchboard.server.nativeproto;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.server.ws.WsClient;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import tools.jackson.databind.JsonNode;

/**
 * Presence end to end on a real server: a WebSocket watcher of every peer ({@code pattern: ">"})
 * while 1,000 sessions (HTTP sessions, each a peer by its session id) open and end from four
 * threads at once. The view the watcher builds from its snapshot and its events ends equal to
 * the directory's (a fresh watch's complete snapshot, and the {@code switchboard_peers_online}
 * gauge), and each peer's events alternate from online to offline.
 */
class PresenceChurnTest {
    private static final int SESSIONS = 1_000;
    private static final int THREADS = 4;
    private static final long DEADLINE_MS = 60_000;

    /**
     * A connection buffer far above the default 64 events: on a loaded machine the node can make
     * events faster than it writes them, and the default cuts the watcher as a slow consumer (to
     * resume from its replay buffer), which is another test's subject; this one is about order.
     */
    @RegisterExtension
    static final TestServer SERVER = TestServer.perClass(b -> b.signalBufferSize(16_384));

    @Test
    void aWatcherFollowsAThousandSessionsComingAndGoing() throws Exception {
        WsClient watcher = WsClient.hello(SERVER.port());
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        Set<String> kept = ConcurrentHashMap.newKeySet();
        Set<String> ended = ConcurrentHashMap.newKeySet();
        try {
            watcher.send("{\"op\":\"presence.subscribe\",\"id\":2,\"pattern\":\">\"}");
            JsonNode answer = reply(watcher, 2);
            String watch = answer.at("/result/watch").asString();
            View view = new View(watch);
            answer.at("/result/online").forEach(id -> view.snapshot(id.asString()));
            assertThat(view.online).hasSize(1); // the watcher itself

            // Each thread opens its sessions one after another and ends every one but each third
            // right after opening the next: peers come and go while others are online.
            List<Future<?>> churn = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                churn.add(pool.submit(() -> {
                    HttpSessionClient previous = null;
                    for (int i = 0; i < SESSIONS / THREADS; i++) {
                        HttpSessionClient s = HttpSessionClient.create(SERVER.port());
                        if (previous != null && (i - 1) % 3 != 0) {
                            assertThat(previous.delete().status()).isEqualTo(204);
                            ended.add(previous.session);
                        } else if (previous != null) {
                            kept.add(previous.session);
                        }
                        previous = s;
                    }
                    kept.add(previous.session);
                    return null;
                }));
            }
            long deadline = System.currentTimeMillis() + DEADLINE_MS;
            Set<String> expected = null;
            while (expected == null || !view.online.equals(expected)) {
                Set<String> want = expected;
                assertThat(System.currentTimeMillis()).as(() -> "the watcher's view settles in time: churn done "
                        + churn.stream().filter(Future::isDone).count() + "/" + THREADS + ", sessions " + (kept.size() + ended.size())
                        + ", view " + view.online.size() + ", expected " + (want == null ? "?" : want.size()))
                        .isLessThan(deadline);
                String m = watcher.messages.poll(100, TimeUnit.MILLISECONDS);
                if (m != null) view.apply(NativeClient.JSON.readTree(m));
                if (expected == null && churn.stream().allMatch(Future::isDone)) {
                    for (Future<?> f : churn) f.get(); // a failed thread fails the test
                    expected = new HashSet<>(kept);
                    expected.addAll(view.snapshot);
                }
            }
            assertThat(kept.size() + ended.size()).isEqualTo(SESSIONS);
            assertThat(view.online).doesNotContainAnyElementsOf(ended);
            assertThat(view.told.keySet()).as("every peer that came and stayed was told").containsAll(kept);

            // The directory's truth: a fresh watch's whole snapshot (first chunk, then the rest),
            // and the gauge of peers online.
            try (NativeConn checker = SERVER.peer("tcp", null)) {
                JsonNode fresh = checker.request("{\"op\":\"presence.subscribe\",\"id\":2,\"pattern\":\">\"}", 2);
                assertThat(fresh.at("/result/more").asBoolean()).as("more peers than one chunk").isTrue();
                Set<String> truth = new HashSet<>(PresenceTestIds.of(fresh.at("/result/online")));
                int online = (int) SERVER.metric("switchboard_peers_online");
                while (truth.size() < online) truth.addAll(PresenceTestIds.of(checker.nextEvent().path("online")));
                Set<String> watcherAndChecker = new HashSet<>(view.online);
                watcherAndChecker.removeAll(truth);
                assertThat(watcherAndChecker).as("the watcher knows no peer the directory does not").isEmpty();
                truth.removeAll(view.online);
                assertThat(truth).as("only the checker itself is new to the watcher").hasSize(1);
            }
        } finally {
            pool.shutdownNow();
            watcher.close();
        }
    }

    private static JsonNode reply(WsClient c, int id) throws Exception {
        while (true) {
            JsonNode m = c.read();
            if (m.path("id").asInt(-1) == id) return m;
        }
    }

    /** What the watcher knows: who is online, and each peer's events in order. */
    private static final class View {
        final String watch;
        final Set<String> online = new HashSet<>();
        final Set<String> snapshot = new HashSet<>();
        /** Each peer's last state told (true = online). */
        final Map<String, Boolean> told = new HashMap<>();
        long seq;

        View(String watch) {
            this.watch = watch;
        }

        void snapshot(String id) {
            snapshot.add(id);
            online.add(id);
            told.put(id, true);
        }

        void apply(JsonNode e) {
            String op = e.path("op").asString();
            assertThat(op).as("the watcher is not cut: %s", e).isNotEqualTo("error");
            if (!op.startsWith("presence")) return; // pings
            assertThat(e.path("watch").asString()).isEqualTo(watch);
            assertThat(e.path("seq").asLong()).as("events in order").isGreaterThan(seq);
            seq = e.path("seq").asLong();
            if (op.equals("presence.resync")) { // fell behind: forget, a fresh snapshot follows
                online.clear();
                told.clear();
                return;
            }
            List<String> on = PresenceTestIds.of(e.path("online"));
            List<String> off = PresenceTestIds.of(e.path("offline"));
            assertThat(on.size() + off.size()).as("one chunk").isLessThanOrEqualTo(244);
            for (String id : on) {
                assertThat(told.put(id, true)).as("%s online after being offline (or new)", id).isNotEqualTo(Boolean.TRUE);
                online.add(id);
            }
            for (String id : off) {
                assertThat(told.put(id, false)).as("%s offline after being online", id).isEqualTo(Boolean.TRUE);
                online.remove(id);
            }
        }
    }
}
