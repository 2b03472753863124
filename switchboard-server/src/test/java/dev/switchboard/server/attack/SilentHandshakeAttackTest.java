package dev.switchboard.server.attack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A thousand connections that start a native handshake — a lone {@code {}, a zero byte, or a
 * WebSocket upgrade — and never send hello. Before the fix they stayed open forever and did not
 * show in {@code stats.connections}; now they are counted while they wait, cut at
 * {@code --handshake-timeout}, and the server serves others meanwhile.
 */
class SilentHandshakeAttackTest {
    private static final int CONNECTIONS = 1_000;
    private static final int DEADLINE_SECONDS = 3;
    private static final long TIME_LIMIT_NANOS = TimeUnit.SECONDS.toNanos(10);
    private static final String UPGRADE = "GET /api/v1/ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
            + "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";

    @Test
    void silentHandshakesAreCountedThenCutAndLeaveNothingBehind() throws Exception {
        try (SmallHeapServer server = SmallHeapServer.start("--handshake-timeout", String.valueOf(DEADLINE_SECONDS))) {
            hold(server.port(), 30).forEach(SilentHandshakeAttackTest::awaitCut); // warm-up
            long before = server.liveHeapBytes();
            double cutBefore = server.metric("switchboard_handshake_timeouts_total");

            List<Socket> held = hold(server.port(), CONNECTIONS);
            try {
                // While held they show in stats. How many are open at once depends on how fast this
                // machine opens them (they are cut DEADLINE_SECONDS after being accepted), but at the
                // rate the time limit allows, hundreds are; before the fix none counted.
                // HandshakeDeadlineTest checks the exact count.
                await().atMost(Duration.ofSeconds(5)).until(() -> server.statsConnections() >= 100);
                server.assertServing();
                held.forEach(SilentHandshakeAttackTest::awaitCut);
            } finally {
                for (Socket s : held) s.close();
            }

            assertThat(server.metric("switchboard_handshake_timeouts_total") - cutBefore).isEqualTo(CONNECTIONS);
            await().atMost(Duration.ofSeconds(5)).until(() -> server.statsConnections() == 0);
            server.assertRecovered(before);
        }
    }

    /** Opens {@code count} connections, each starting one of the three native handshakes and stopping there. */
    private static List<Socket> hold(int port, int count) throws Exception {
        List<Socket> sockets = new ArrayList<>();
        long started = System.nanoTime();
        for (int i = 0; i < count; i++) {
            assertThat(System.nanoTime() - started).as("time to open the connections").isLessThan(TIME_LIMIT_NANOS);
            Socket s = Wire.connect(port, Duration.ofSeconds(10));
            sockets.add(s);
            switch (i % 3) {
                case 0 -> Wire.send(s, "{");
                case 1 -> Wire.send(s, new byte[] {0});
                default -> Wire.send(s, UPGRADE);
            }
        }
        return sockets;
    }

    private static void awaitCut(Socket s) {
        try (s) {
            assertThat(Wire.closedByServer(s)).as("closed by the server at the deadline").isTrue();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
