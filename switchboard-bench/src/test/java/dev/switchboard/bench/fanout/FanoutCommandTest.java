package dev.switchboard.bench.fanout;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.bench.BenchRun;
import dev.switchboard.server.Switchboard;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Runs {@code fanout} briefly against an embedded Switchboard over each of its protocols: a run
 * succeeds only when every subscriber got every message, in order (the tracker checks each one), and
 * its figures add up.
 */
class FanoutCommandTest {
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
    @ValueSource(strings = {"dflockd", "json", "topic", "ws"})
    void everySubscriberGetsEveryMessageInOrder(String protocol) {
        BenchRun run = BenchRun.of("fanout", "--protocol", protocol, "--server", "127.0.0.1:" + server.port(), "--subscribers", "20",
                "--messages", "300", "--warmup", "0", "--duration", "20", "--channel", "fan-" + protocol);

        assertThat(run.exitCode()).as(run.output() + run.errors()).isZero();
        assertThat(run.number("messages")).isEqualTo(300);
        assertThat(run.number("deliveries")).isEqualTo(300 * 20);
        assertThat(run.number("deliveries/s")).isPositive();
        assertThat(run.output()).contains("p50_us:", "p99_us:", "errors:        0");
    }

    @Test
    void aSubscriberThatCannotConnectFailsTheRun() {
        // Nothing listens on port 1.
        BenchRun run = BenchRun.of("fanout", "--protocol", "dflockd", "--server", "127.0.0.1:1", "--subscribers", "1",
                "--connect-timeout", "2");

        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.output()).contains("first error:", "could not connect");
    }

    @Test
    void badFlagsAreUsageErrors() {
        BenchRun run = BenchRun.of("fanout", "--payload-bytes", "8");
        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.errors()).contains("--payload-bytes");
    }
}
