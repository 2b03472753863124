package dev.switchboard.bench.fanout;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.bench.BenchMain;
import dev.switchboard.server.Switchboard;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
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
        Run run = bench("fanout", "--protocol", protocol, "--server", "127.0.0.1:" + server.port(), "--subscribers", "20",
                "--messages", "300", "--warmup", "0", "--duration", "20", "--channel", "fan-" + protocol);

        assertThat(run.exitCode).as(run.output + run.errors).isZero();
        assertThat(run.number("messages")).isEqualTo(300);
        assertThat(run.number("deliveries")).isEqualTo(300 * 20);
        assertThat(run.number("deliveries/s")).isPositive();
        assertThat(run.output).contains("p50_us:", "p99_us:", "errors:        0");
    }

    @Test
    void aSubscriberThatCannotConnectFailsTheRun() {
        // Nothing listens on port 1.
        Run run = bench("fanout", "--protocol", "dflockd", "--server", "127.0.0.1:1", "--subscribers", "1",
                "--connect-timeout", "2");

        assertThat(run.exitCode).isEqualTo(1);
        assertThat(run.output).contains("first error:", "could not connect");
    }

    @Test
    void badFlagsAreUsageErrors() {
        Run run = bench("fanout", "--payload-bytes", "8");
        assertThat(run.exitCode).isEqualTo(2);
        assertThat(run.errors).contains("--payload-bytes");
    }

    private static Run bench(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = BenchMain.run(new PrintWriter(out), new PrintWriter(err), args);
        return new Run(code, out.toString(), err.toString());
    }

    private record Run(int exitCode, String output, String errors) {
        long number(String label) {
            Matcher m = Pattern.compile("(?m)^" + Pattern.quote(label) + ":\\s+(\\d+)").matcher(output);
            assertThat(m.find()).as(label + " in " + output).isTrue();
            return Long.parseLong(m.group(1));
        }
    }
}
