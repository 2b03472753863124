package dev.switchboard.bench.relay;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.bench.BenchRun;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The NATS side of the relay comparison against a real nats-server on a free loopback port (the
 * Debian package); skipped where it is not installed.
 */
class NatsRelayBaselineTest {
    private static Process nats;
    private static int port;

    @BeforeAll
    static void startNats() throws Exception {
        Path binary = Stream.of("/usr/sbin/nats-server", "/usr/bin/nats-server").map(Path::of)
                .filter(Files::isExecutable).findFirst().orElse(null);
        Assumptions.assumeTrue(binary != null, "nats-server is not installed");
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        nats = new ProcessBuilder(binary.toString(), "-a", "127.0.0.1", "-p", String.valueOf(port))
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (true) {
            try (Socket probe = new Socket("127.0.0.1", port)) {
                break;
            } catch (java.io.IOException e) {
                assertThat(System.nanoTime()).as("nats-server starts").isLessThan(deadline);
                Thread.sleep(50);
            }
        }
    }

    @AfterAll
    static void stopNats() throws Exception {
        if (nats != null) {
            nats.destroy();
            nats.waitFor(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void everyMessageReachesItsPartnerOnceInOrderAndIntact() {
        BenchRun run = BenchRun.of("relay", "--protocol", "nats", "--server", "127.0.0.1:" + port, "--pairs", "3",
                "--payload-bytes", "8192", "--window", "16", "--messages", "300", "--warmup", "0", "--duration", "20");

        assertThat(run.exitCode()).as(run.output() + run.errors()).isZero();
        assertThat(run.number("messages")).isEqualTo(3 * 300);
        assertThat(run.number("checked")).isEqualTo(3 * 300);
        assertThat(run.number("bytes/s")).isPositive();
    }
}
