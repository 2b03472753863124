package dev.switchboard.server.attack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.Socket;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Many distinct signal patterns, listened to and dropped over dflockd lines, leave nothing in the
 * topic tree. Before the fix the two rounds below (60,000 patterns) left 28 MB of live heap
 * behind, about 470 bytes a pattern; with it the live heap moves by some kilobytes.
 */
class TopicChurnAttackTest {
    private static final int PATTERNS = 30_000;
    private static final int BATCH = 100;
    /**
     * A runaway guard, not a speed check: about 4 s on a quiet 2-core machine, 15 s when the machine
     * was shared by several builds (load average 19), so the bound leaves room for that.
     */

    @Test
    void distinctPatternsListenedAndDroppedLeaveTheHeapWhereItWas() throws Exception {
        // One connection listens to all the patterns: past the default --max-subscriptions (1024), on purpose.
        try (SmallHeapServer server = SmallHeapServer.start("--max-subscriptions", String.valueOf(PATTERNS))) {
            long started = System.nanoTime();
            churn(server.port(), 0, BATCH, true, started); // the same code paths once, before the baseline
            long before = server.liveHeapBytes();

            churn(server.port(), 1, PATTERNS, true, started);   // unlisten each pattern
            churn(server.port(), 2, PATTERNS, false, started);  // end the session instead

            // The last session ends when the server sees its connection close; then only the root is left.
            await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(500))
                    .until(() -> server.liveInstances("dev.switchboard.core.pubsub.TopicTree$Node") == 1);
            server.assertRecovered(before);
        }
    }

    /** Listens to {@code count} patterns of a round on one dflockd connection, then drops them. */
    private static void churn(int port, int round, int count, boolean unlisten, long started) throws IOException {
        try (Socket s = Wire.connect(port, Duration.ofSeconds(5))) {
            requests(s, "listen", round, count, started);
            if (unlisten) requests(s, "unlisten", round, count, started);
        }
    }

    /** Pipelines the commands in batches (within dflockd's pipelining allowance), each answered {@code ok}. */
    private static void requests(Socket s, String command, int round, int count, long started) throws IOException {
        for (int i = 0; i < count; i += BATCH) {
            AttackTime.assertWithinLimit(started);
            StringBuilder batch = new StringBuilder();
            for (int j = i; j < Math.min(count, i + BATCH); j++) {
                batch.append(command).append("\njob.").append(round).append('.').append(j).append(".done\n\n");
            }
            Wire.send(s, batch.toString());
            for (int j = i; j < Math.min(count, i + BATCH); j++) {
                assertThat(Wire.readLine(s)).as("%s #%d", command, j).isEqualTo("ok");
            }
        }
    }
}
