package dev.switchboard.server.attack;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.server.attack.HttpAttackClient.NativeSession;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Many sessions that each listen on their own channel and never collect, each sent its own
 * payloads: every session's buffer stays within its own bound (4 MiB), but together they would
 * need far more than the heap. The node's budget for buffered events (--replay-total-bytes, a
 * quarter of the heap by default) holds the total: past it, the session that gets a new event
 * drops its own oldest ones.
 */
class DistinctBacklogsAttackTest {
    private static final int SESSIONS = 40;
    private static final int SIGNALS_EACH = 66;
    private static final int PAYLOAD_BYTES = 60_000;

    @Test
    void sessionsWithTheirOwnBacklogsStayWithinTheNodesBudget() throws Exception {
        try (SmallHeapServer server = SmallHeapServer.start()) {
            HttpAttackClient client = new HttpAttackClient(server.port(), null);
            NativeSession warm = client.openNativeSession();
            client.nativeOp(warm, "signal.listen", "{\"pattern\":\"warm\"}");
            for (int i = 0; i < 20; i++) client.publish("warm", "w".repeat(PAYLOAD_BYTES));
            client.deleteNativeSession(warm);
            long before = server.liveHeapBytes();

            List<NativeSession> sessions = new ArrayList<>();
            for (int i = 0; i < SESSIONS; i++) {
                NativeSession s = client.openNativeSession();
                client.nativeOp(s, "signal.listen", "{\"pattern\":\"own." + i + "\"}");
                sessions.add(s);
            }
            // 40 sessions x 66 distinct events of 60 KB: about 158 MB if each kept its own 4 MiB.
            long started = System.nanoTime();
            String filler = "x".repeat(PAYLOAD_BYTES - 16);
            for (int n = 0; n < SIGNALS_EACH; n++) {
                for (int i = 0; i < SESSIONS; i++) {
                    AttackTime.assertWithinLimit(started);
                    client.publish("own." + i, String.format("%08d%08d", i, n) + filler);
                }
                if (n == SIGNALS_EACH / 2) server.assertServing();
            }
            double buffered = server.metric("switchboard_replay_buffered_bytes");
            assertThat(buffered).as("bytes buffered over every session").isLessThanOrEqualTo(96.0 * 1024 * 1024 / 4 + PAYLOAD_BYTES * 2.0);
            assertThat(server.metric("switchboard_replay_budget_drops_total")).as("events dropped for the budget").isPositive();
            server.assertServing();
            for (NativeSession s : sessions) client.deleteNativeSession(s);
            assertThat(server.metric("switchboard_replay_buffered_bytes")).as("ended sessions give their bytes back").isZero();
            server.assertRecovered(before);
        }
    }
}
