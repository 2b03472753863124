package dev.switchboard.bench.rpc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.bench.BenchMain;
import dev.switchboard.server.Switchboard;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class RpcCommandTest {
    private static String run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = BenchMain.run(new PrintWriter(out), new PrintWriter(err), args);
        assertThat(code).as(out + "\n" + err).isZero();
        return out.toString();
    }

    @Test
    void callsGoThroughAQueueGroupOfBackendsAndComeBackWithTheirPayload() {
        try (Switchboard sb = Switchboard.builder().port(0).shutdownTimeout(Duration.ofSeconds(1)).start()) {
            String out = run("rpc", "--protocol", "json", "--server", "127.0.0.1:" + sb.port(), "--callers", "3",
                    "--responders", "2", "--calls", "200", "--warmup", "0", "--duration", "20");
            Matcher calls = Pattern.compile("(?m)^calls: +(\\d+)$").matcher(out);
            assertThat(calls.find()).as(out).isTrue();
            // Every caller made its 200 calls, each answered with the payload it sent (checked per call).
            assertThat(Long.parseLong(calls.group(1))).isEqualTo(600);
            assertThat(out).contains("calls/s:", "p50:", "p99:").doesNotContain("first error");
        }
    }

    @Test
    void respondersGoToTheResponderServer() {
        try (Switchboard callers = Switchboard.builder().port(0).shutdownTimeout(Duration.ofSeconds(1)).start();
             Switchboard backends = Switchboard.builder().port(0).shutdownTimeout(Duration.ofSeconds(1)).start()) {
            // Both ends named explicitly on one server: the calls are answered.
            String same = run("rpc", "--protocol", "json", "--server", "127.0.0.1:" + backends.port(), "--responder-server",
                    "127.0.0.1:" + backends.port(), "--callers", "1", "--responders", "1", "--calls", "50", "--warmup", "0",
                    "--duration", "20");
            assertThat(same).contains("responder-server=127.0.0.1:" + backends.port(), "calls:      50");

            // Two servers that are not a cluster: the backends are on the other one, so the callers' server has none.
            StringWriter out = new StringWriter();
            int code = BenchMain.run(new PrintWriter(out), new PrintWriter(new StringWriter()), "rpc", "--protocol", "json",
                    "--server", "127.0.0.1:" + callers.port(), "--responder-server", "127.0.0.1:" + backends.port(),
                    "--callers", "1", "--responders", "1", "--calls", "5", "--warmup", "0", "--duration", "5");
            assertThat(code).as(out.toString()).isEqualTo(1);
            assertThat(out.toString()).contains("calls:      0", "first error:", "no_responders");
        }
    }

    @Test
    void refusesNonsenseOptions() {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = BenchMain.run(new PrintWriter(out), new PrintWriter(err), "rpc", "--callers", "0");
        assertThat(code).isNotZero();
        assertThat(err.toString()).contains("--callers must be 1..10000");
    }
}
