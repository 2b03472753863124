package dev.switchboard.bench.relay;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.bench.BenchRun;
import dev.switchboard.server.Switchboard;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Runs {@code relay} briefly against an embedded Switchboard: a run succeeds only when every message
 * reached its partner once, in order, with every byte as sent (the receiver checks each one), and,
 * in envelopes, every send was answered; in compact frames, from its partner's peer id with a rising seq.
 */
class RelayCommandTest {
    private static Switchboard server;

    @BeforeAll
    static void startServer() {
        server = Switchboard.builder().port(0).shutdownTimeout(Duration.ofSeconds(1)).start();
    }

    @AfterAll
    static void stopServer() {
        server.close();
    }

    @ParameterizedTest
    @CsvSource({"envelope, 64", "envelope, 8192", "compact, 64", "compact, 8192"})
    void everyMessageReachesItsPartnerOnceInOrderAndIntact(String framing, int payloadBytes) {
        BenchRun run = BenchRun.of("relay", "--protocol", "ws", "--framing", framing, "--server", "127.0.0.1:" + server.port(), "--pairs", "3",
                "--payload-bytes", String.valueOf(payloadBytes), "--window", "16", "--messages", "300", "--warmup", "0",
                "--duration", "20");

        assertThat(run.exitCode()).as(run.output() + run.errors()).isZero();
        assertThat(run.output()).contains("framing=" + framing);
        assertThat(run.number("messages")).isEqualTo(3 * 300);
        assertThat(run.number("checked")).isEqualTo(3 * 300);
        assertThat(run.output()).contains("each received once, in order, with its bytes intact", "errors:        0");
        assertThat(run.number("messages/s")).isPositive();
        assertThat(run.number("bytes/s")).isPositive();
        assertThat(run.output()).contains("p50_us:", "p99_us:");
    }

    @Test
    void receiversGoToTheReceiverServer() {
        try (Switchboard other = Switchboard.builder().port(0).shutdownTimeout(Duration.ofSeconds(1)).start()) {
            // Two servers that are not a cluster: each send names a peer the senders' server does not have,
            // and the server refuses it at once (envelopes answer every send).
            BenchRun run = BenchRun.of("relay", "--protocol", "ws", "--framing", "envelope", "--server", "127.0.0.1:" + server.port(),
                    "--receiver-server", "127.0.0.1:" + other.port(), "--pairs", "1", "--messages", "10", "--warmup", "0",
                    "--duration", "5");

            assertThat(run.exitCode()).isEqualTo(1);
            assertThat(run.output()).contains("receiver-server=127.0.0.1:" + other.port(), "first error:", "(sender)");
        }
    }

    @Test
    void aServerThatIsNotThereFailsTheRun() {
        BenchRun run = BenchRun.of("relay", "--protocol", "ws", "--server", "127.0.0.1:1", "--pairs", "1");

        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.output()).contains("first error:", "could not connect");
    }

    @Test
    void badFlagsAreUsageErrors() {
        BenchRun run = BenchRun.of("relay", "--payload-bytes", "8");
        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.errors()).contains("--payload-bytes must be 16..1048576");
    }
}
