package dev.switchboard.server.attack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.switchboard.server.attack.HttpAttackClient.NativeSession;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * Event streams whose readers never read — a native session's {@code GET …/events} and dflockd's
 * {@code GET /v1/signals} — while signals of 64 KB are published to them. Before the fix the
 * native stream was written to without bound (one such reader made a 512 MB server buffer 530 MB
 * and fail with {@code OutOfMemoryError}). Now each is evicted as a slow consumer once it is
 * {@code --signal-buffer-size} signals (or {@code --http-max-pending-bytes}) behind, the native
 * session keeps a bounded backlog for a resume, and the server serves others meanwhile.
 */
class SlowSseReaderAttackTest {
    private static final String ADMIN_TOKEN = "slow-sse-admin-token";
    private static final int READERS_OF_EACH_KIND = 2;
    private static final int SIGNALS = 500;
    private static final int PAYLOAD_BYTES = 65_000;
    /**
     * An evicted native stream is closed once its error event is written, which for a reader that
     * never reads is when this deadline cuts it; short, to keep the test short.
     */
    private static final int WRITE_TIMEOUT_SECONDS = 2;

    @Test
    void readersThatNeverReadAreEvictedAndMemoryComesBack() throws Exception {
        try (SmallHeapServer server = SmallHeapServer.start("--admin-token", ADMIN_TOKEN,
                "--write-timeout", String.valueOf(WRITE_TIMEOUT_SECONDS))) {
            HttpAttackClient client = new HttpAttackClient(server.port(), ADMIN_TOKEN);
            attack(server, client, 1, 300); // the same code paths once, before the baseline
            long before = server.liveHeapBytes();

            attack(server, client, READERS_OF_EACH_KIND, SIGNALS);

            server.assertRecovered(before);
        }
    }

    private static void attack(SmallHeapServer server, HttpAttackClient client, int readers, int signals) throws Exception {
        String channel = "slow." + readers;
        List<NativeSession> sessions = new ArrayList<>();
        List<Socket> streams = new ArrayList<>();
        try {
            for (int i = 0; i < readers; i++) {
                NativeSession s = client.openNativeSession();
                sessions.add(s);
                client.nativeOp(s, "signal.listen", "{\"pattern\":\"" + channel + "\"}");
                streams.add(client.openStreamNeverRead("/api/v1/sessions/" + s.id() + "/events", HttpAttackClient.keyHeader(s)));
                streams.add(client.openStreamNeverRead("/v1/signals?pattern=" + channel, ""));
            }
            await().atMost(SmallHeapServer.PROMPTLY).until(() -> client.sessionsOfKind("dflockd-sse") == readers
                    && attachedConnections(client, sessions) == readers);

            long started = System.nanoTime();
            String filler = "p".repeat(PAYLOAD_BYTES - 8);
            for (int i = 0; i < signals; i++) {
                AttackTime.assertWithinLimit(started);
                // Each native session takes every signal into its replay buffer, streamed or not.
                assertThat(client.publish(channel, String.format("%08d", i) + filler)).isGreaterThanOrEqualTo(readers);
                if (i == signals / 2) server.assertServing();
            }

            // Evicted: no stream is attached any more, and the dflockd streams' sessions are gone.
            await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(200))
                    .until(() -> client.sessionsOfKind("dflockd-sse") == 0 && attachedConnections(client, sessions) == 0);
            for (Socket s : streams) assertThat(Wire.closedByServer(s)).as("stream closed by the server").isTrue();
            for (NativeSession s : sessions) {
                JsonNode backlog = client.poll(s, 0);
                assertThat(backlog.path("last_seq").asLong()).as("every signal reached the session").isEqualTo(signals);
            }
        } finally {
            for (Socket s : streams) s.close();
        }
        for (NativeSession s : sessions) client.deleteNativeSession(s);
    }

    /** Connections attached to the given native sessions, as the admin API lists them. */
    private static long attachedConnections(HttpAttackClient client, List<NativeSession> sessions) throws Exception {
        long n = 0;
        for (JsonNode s : client.adminSessions()) {
            for (NativeSession mine : sessions) {
                if (s.path("id").asString().equals(mine.id())) n += s.path("connections").asLong();
            }
        }
        return n;
    }
}
