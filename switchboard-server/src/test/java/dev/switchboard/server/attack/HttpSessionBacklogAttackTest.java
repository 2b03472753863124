package dev.switchboard.server.attack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.switchboard.server.attack.HttpAttackClient.NativeSession;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * Idle HTTP sessions that listen and never collect their events, dflockd signal streams that are
 * never read, and one publisher of 64 KB signals. Before the fix each HTTP session kept up to 1,024
 * undelivered events with no byte cap (64 MiB a session): fourteen of them killed the accept, timer
 * and I/O threads of a 512 MB server, and as the idle reaper ran on the dead timer nothing was ever
 * freed. Here each of the {@value #SESSIONS} sessions is sent {@value #SIGNALS} signals of 65,000
 * bytes; now each keeps at most {@code --replay-buffer-messages} events and about
 * {@code --replay-buffer-bytes} of them (64 events here), the streams are evicted as slow
 * consumers, the server serves others meanwhile, and the reaper ends the sessions once they are
 * left idle.
 */
class HttpSessionBacklogAttackTest {
    private static final String ADMIN_TOKEN = "backlog-admin-token";
    private static final int SESSIONS = 16;
    private static final int DFLOCKD_SESSIONS = 4;
    private static final int STREAMS = 3;
    private static final int SIGNALS = 1_100;
    private static final int PAYLOAD_BYTES = 65_000;
    /** The server's defaults, restated: a session's events are bounded by both. */
    private static final int REPLAY_BUFFER_MESSAGES = 1024;
    private static final long REPLAY_BUFFER_BYTES = 4L * 1024 * 1024;
    /**
     * Sessions idle for twice this long are reaped; the attack keeps its own alive until it ends.
     * Long enough that a machine many times slower than usual opens all of them and starts the
     * flood before the first could be reaped.
     */
    private static final int IDLE_TIMEOUT_SECONDS = 5;
    private static final long TOUCH_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(1);

    @Test
    void listeningSessionsThatNeverCollectKeepBoundedBacklogsAndAreReaped() throws Exception {
        try (SmallHeapServer server = SmallHeapServer.start("--admin-token", ADMIN_TOKEN,
                "--http-session-idle-timeout", String.valueOf(IDLE_TIMEOUT_SECONDS))) {
            HttpAttackClient client = new HttpAttackClient(server.port(), ADMIN_TOKEN);
            warmUp(client); // the same code paths once, before the baseline
            long before = server.liveHeapBytes();

            List<NativeSession> sessions = new ArrayList<>();
            List<Socket> streams = new ArrayList<>();
            try {
                for (int i = 0; i < SESSIONS; i++) {
                    NativeSession s = client.openNativeSession();
                    client.nativeOp(s, "signal.listen", "{\"pattern\":\"flood.>\"}");
                    sessions.add(s);
                }
                for (int i = 0; i < DFLOCKD_SESSIONS; i++) client.openDflockdSession();
                for (int i = 0; i < STREAMS; i++) streams.add(client.openStreamNeverRead("/v1/signals?pattern=flood.>", ""));

                flood(server, client, sessions);

                assertBacklogsBounded(client, sessions);
                await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(200))
                        .until(() -> client.sessionsOfKind("dflockd-sse") == 0);
                for (Socket s : streams) assertThat(Wire.closedByServer(s)).as("stream closed by the server").isTrue();
            } finally {
                for (Socket s : streams) s.close();
            }

            // Left alone, every HTTP session is reaped: the reaper's timer survived the attack.
            await().atMost(Duration.ofSeconds(4 * IDLE_TIMEOUT_SECONDS + 4)).pollInterval(Duration.ofMillis(500))
                    .until(() -> client.adminSessions().isEmpty());
            server.assertRecovered(before);
        }
    }

    /** Publishes {@value #SIGNALS} distinct 65,000-byte signals, keeping the listening sessions from going idle. */
    private static void flood(SmallHeapServer server, HttpAttackClient client, List<NativeSession> sessions) throws Exception {
        long started = System.nanoTime();
        long touched = started;
        String filler = "f".repeat(PAYLOAD_BYTES - 8);
        for (int i = 0; i < SIGNALS; i++) {
            AttackTime.assertWithinLimit(started);
            assertThat(client.publish("flood.n" + i % 10, String.format("%08d", i) + filler))
                    .as("signal %d reached every session", i).isGreaterThanOrEqualTo(SESSIONS);
            if (System.nanoTime() - touched > TOUCH_INTERVAL_NANOS) {
                for (NativeSession s : sessions) client.nativeOp(s, "stats", "{}"); // any request keeps a session alive
                touched = System.nanoTime();
            }
            if (i == SIGNALS / 2) server.assertServing();
        }
    }

    /**
     * Each session holds the newest events only, within both bounds, and a client that comes back
     * is told what it missed: a long-poll from the start gets a gap, then what is left.
     */
    private static void assertBacklogsBounded(HttpAttackClient client, List<NativeSession> sessions) throws Exception {
        long eventsWithinBytes = REPLAY_BUFFER_BYTES / PAYLOAD_BYTES + 1; // the newest event always stays
        int seen = 0;
        for (JsonNode s : client.adminSessions()) {
            if (!s.path("kind").asString().equals("http")) continue;
            seen++;
            assertThat(s.path("last_seq").asLong()).as("events numbered").isEqualTo(SIGNALS);
            assertThat(s.path("queue_depth").asLong()).as("events kept by %s", s.path("id").asString())
                    .isPositive().isLessThanOrEqualTo(Math.min(REPLAY_BUFFER_MESSAGES, eventsWithinBytes));
        }
        assertThat(seen).as("listening sessions alive after the attack").isEqualTo(SESSIONS);

        JsonNode poll = client.poll(sessions.get(0), 0);
        JsonNode events = poll.path("events");
        assertThat(poll.path("gap").path("first_available").asLong()).isEqualTo(SIGNALS - events.size() + 1);
        assertThat(events.size()).isLessThanOrEqualTo((int) eventsWithinBytes);
        assertThat(events.get(events.size() - 1).path("payload").asString()).startsWith(String.format("%08d", SIGNALS - 1));
    }

    private static void warmUp(HttpAttackClient client) throws Exception {
        NativeSession s = client.openNativeSession();
        client.nativeOp(s, "signal.listen", "{\"pattern\":\"warm.>\"}");
        client.openDflockdSession();
        try (Socket stream = client.openStreamNeverRead("/v1/signals?pattern=warm.>", "")) {
            String payload = "w".repeat(PAYLOAD_BYTES);
            for (int i = 0; i < 100; i++) {
                client.publish("warm.up", payload);
                if (i % 20 == 0) client.nativeOp(s, "stats", "{}"); // kept alive, however slow the machine
            }
            client.nativeOp(s, "stats", "{}");
            client.adminSessions();
            client.poll(s, 0);
        }
        client.deleteNativeSession(s);
        // The dflockd session is reaped during the attack with the others.
    }
}
