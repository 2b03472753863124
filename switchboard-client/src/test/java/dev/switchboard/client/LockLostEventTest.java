package dev.switchboard.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.switchboard.server.Switchboard;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The server's lock.lost events end a Lock's hold at once, without waiting for a failed renewal. */
class LockLostEventTest {
    @TempDir
    Path dataDir;

    @Test
    void anExpiredLeaseIsReportedByTheServersEvent() {
        try (Switchboard sb = Switchboard.builder().port(0).shutdownTimeout(Duration.ofSeconds(1)).start();
             SwitchboardClient client = SwitchboardClient.connect("127.0.0.1", sb.port())) {
            List<LockLost> lost = new CopyOnWriteArrayList<>();
            Lock lock = client.lock("expiring", LockOptions.builder().lease(Duration.ofMillis(300)).autoRenew(false)
                    .onLost(lost::add).build());
            assertThat(lock.acquire(Duration.ofSeconds(5))).isTrue();
            await().atMost(Duration.ofSeconds(5)).until(() -> !lost.isEmpty());
            assertThat(lost.get(0).cause()).isInstanceOf(LeaseExpiredException.class);
            assertThat(lock.isHeld()).isFalse();
        }
    }

    @Test
    void locksAGracefulRestartCouldNotKeepAreReportedLostOnResume() {
        Switchboard first = Switchboard.builder().port(0).dataDir(dataDir).shutdownTimeout(Duration.ofSeconds(1)).start();
        int port = first.port();
        List<LockLost> lost = new CopyOnWriteArrayList<>();
        List<ConnectionEvent> events = new CopyOnWriteArrayList<>();
        try (SwitchboardClient client = SwitchboardClient.builder().host("127.0.0.1").port(port)
                .reconnectBackoff(Duration.ofMillis(50), Duration.ofMillis(200)).onStateChange(events::add).connect()) {
            Lock lock = client.lock("kept-across", LockOptions.builder().lease(Duration.ofSeconds(30)).onLost(lost::add).build());
            assertThat(lock.acquire(Duration.ofSeconds(5))).isTrue();
            first.close();
            try (Switchboard second = Switchboard.builder().port(port).dataDir(dataDir).shutdownTimeout(Duration.ofSeconds(1)).start()) {
                await().atMost(Duration.ofSeconds(10)).until(() -> !lost.isEmpty());
                assertThat(events).anyMatch(e -> e.type() == ConnectionEvent.Type.RESUMED);
                assertThat(lost.get(0).cause().getMessage()).contains("server_restart");
                assertThat(lock.isHeld()).isFalse();
                assertThat(lock.acquire(Duration.ofSeconds(5))).isTrue(); // free in the new process
            }
        } finally {
            first.close();
        }
    }
}
