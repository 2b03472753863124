package dev.switchboard.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

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

/** Runs the bench's main entry against embedded servers with tiny numbers and reads its summary. */
class BenchMainTest {
    private static final Pattern OPS_PER_SECOND = Pattern.compile("(?m)^ops/s:\\s+([0-9.]+)$");
    private static final Pattern TOTAL_OPS = Pattern.compile("(?m)^total ops:\\s+(\\d+)$");
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
    @ValueSource(strings = {"dflockd", "json", "json-async"})
    void uniqueKeysReportPositiveThroughput(String protocol) {
        Run run = bench("locks", "--protocol", protocol, "--servers", "127.0.0.1:" + server.port(),
                "--workers", "3", "--rounds", "20", "--warmup", "2", "--key", "bench-" + protocol);

        assertThat(run.exitCode).as(run.output).isZero();
        assertThat(run.totalOps()).isEqualTo(60);
        assertThat(run.opsPerSecond()).isPositive();
        assertThat(run.output).contains("p50:", "p99:", "mean:", "max:", "errors:     0");
    }

    @ParameterizedTest
    @ValueSource(strings = {"dflockd", "json", "json-async"})
    void sharedKeyContendsAndStillCompletes(String protocol) {
        Run run = bench("locks", "--protocol", protocol, "--servers", "127.0.0.1:" + server.port(),
                "--workers", "3", "--rounds", "10", "--warmup", "0", "--shared-key", "--key", "shared-" + protocol);

        assertThat(run.exitCode).as(run.output).isZero();
        assertThat(run.totalOps()).isEqualTo(30);
        assertThat(run.opsPerSecond()).isPositive();
    }

    @Test
    void handoffModeTimesTheGrantsThatFollowARelease() {
        Run run = bench("locks", "--protocol", "dflockd", "--servers", "127.0.0.1:" + server.port(),
                "--workers", "8", "--rounds", "50", "--warmup", "0", "--handoff", "--key", "handoff");

        assertThat(run.exitCode).as(run.output).isZero();
        assertThat(run.totalOps()).isEqualTo(400);
        // Every worker loops on the one key, so most grants wait for another worker's release.
        Matcher handoffs = Pattern.compile("(?m)^handoffs: +(\\d+)$").matcher(run.output);
        assertThat(handoffs.find()).as(run.output).isTrue();
        assertThat(Long.parseLong(handoffs.group(1))).isPositive().isLessThanOrEqualTo(400);
        assertThat(run.output).contains("handoff p50:", "handoff p99:", "handoff max:");
    }

    @Test
    void shardsOverSeveralServersAndAuthenticates() {
        try (Switchboard one = Switchboard.builder().port(0).authToken("s3cret").shutdownTimeout(Duration.ofSeconds(1)).start();
             Switchboard two = Switchboard.builder().port(0).authToken("s3cret").shutdownTimeout(Duration.ofSeconds(1)).start()) {
            String servers = "127.0.0.1:" + one.port() + ",127.0.0.1:" + two.port();
            for (String protocol : new String[] {"dflockd", "json"}) {
                Run run = bench("locks", "--protocol", protocol, "--servers", servers, "--auth-token", "s3cret",
                        "--workers", "4", "--rounds", "5", "--warmup", "1");
                assertThat(run.exitCode).as(run.output).isZero();
                assertThat(run.totalOps()).isEqualTo(20);
                assertThat(run.opsPerSecond()).isPositive();
            }
        }
    }

    @Test
    void aTimedWarmUpRunsBeforeTheClockAndIsNotCounted() {
        long start = System.nanoTime();
        Run run = bench("locks", "--protocol", "json", "--servers", "127.0.0.1:" + server.port(), "--workers", "2",
                "--rounds", "5", "--warmup", "0", "--warmup-seconds", "1", "--key", "timed-warmup");

        assertThat(run.exitCode).as(run.output).isZero();
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofSeconds(1));
        assertThat(run.totalOps()).isEqualTo(10);
        assertThat(run.output).contains("warmup-seconds=1");
    }

    @Test
    void aWarmUpCappedByTheJitSaysHowItEndedAndTheClientCpuIsReported() {
        long start = System.nanoTime();
        Run run = bench("locks", "--protocol", "json", "--servers", "127.0.0.1:" + server.port(), "--workers", "2",
                "--rounds", "20", "--warmup", "0", "--warmup-seconds", "1", "--warmup-max-seconds", "3", "--key", "jit-warmup");

        assertThat(run.exitCode).as(run.output).isZero();
        long tookMillis = Duration.ofNanos(System.nanoTime() - start).toMillis();
        assertThat(tookMillis).isGreaterThanOrEqualTo(1000);
        assertThat(run.output).contains("warmup-seconds=1 warmup-max-seconds=3");
        Matcher warmup = Pattern.compile(
                "warm-up: +(\\d+\\.\\d) s \\(JIT (settled|still compiling at the cap); (\\d+) ms compiling while measured\\)")
                .matcher(run.output);
        assertThat(warmup.find()).as(run.output).isTrue();
        double seconds = Double.parseDouble(warmup.group(1));
        // At least the set time; at most the cap (plus the poll's step), whether or not the JIT settled.
        assertThat(seconds).isBetween(1.0, 3.5);
        if (warmup.group(2).equals("still compiling at the cap")) {
            assertThat(seconds).isGreaterThanOrEqualTo(2.9);
        }
        assertThat(run.output).containsPattern("client cpu: \\d+\\.\\d us/op \\(user \\d+\\.\\d, system \\d+\\.\\d\\)");
        assertThat(run.totalOps()).isEqualTo(40);
    }

    @Test
    void durationLimitStopsALongRunEarly() {
        Run run = bench("locks", "--servers", "127.0.0.1:" + server.port(), "--workers", "2",
                "--rounds", "100000000", "--warmup", "0", "--duration-limit", "1", "--key", "capped");

        assertThat(run.exitCode).as(run.output).isZero();
        assertThat(run.output).contains("duration limit was reached");
        assertThat(run.totalOps()).isPositive().isLessThan(200_000_000L);
        assertThat(run.opsPerSecond()).isPositive();
    }

    @Test
    void wrongTokenIsReportedAsAFailedRun() {
        try (Switchboard guarded = Switchboard.builder().port(0).authToken("s3cret").shutdownTimeout(Duration.ofSeconds(1)).start()) {
            Run run = bench("locks", "--servers", "127.0.0.1:" + guarded.port(), "--auth-token", "nope",
                    "--workers", "1", "--rounds", "1");
            assertThat(run.exitCode).isEqualTo(1);
            assertThat(run.totalOps()).isZero();
            assertThat(run.output).contains("first error:");
        }
    }

    /** The embedded server runs in this JVM, so the command measures this process. */
    @Test
    void lockMemoryHoldsTheLocksWhileItMeasuresAndGivesThemBack() {
        Run run = bench("lock-memory", "--server", "127.0.0.1:" + server.port(), "--pid",
                Long.toString(ProcessHandle.current().pid()), "--locks", "300", "--connections", "3", "--key", "mem-test");

        assertThat(run.exitCode).as(run.output + run.errors).isZero();
        assertThat(run.output).contains("locks held:     300 over 3 connections")
                .containsPattern("(?m)^heap per lock:\\s+-?\\d+ bytes$")
                .containsPattern("(?m)^rss per lock:\\s+-?\\d+ bytes$");
        // Closing its connections gave the locks back: the keys are free again.
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
            try (DflockdConnection c = new DflockdConnection(new ServerAddress("127.0.0.1", server.port()), null, 5_000, 5_000)) {
                for (String key : new String[] {"mem-test-0", "mem-test-299"}) {
                    String token = c.acquire(key, 0, 10);
                    assertThat(token).as(key).isNotNull();
                    c.release(key, token);
                }
            }
        });
    }

    @Test
    void lockMemoryRefusesMoreConnectionsThanLocks() {
        Run run = bench("lock-memory", "--pid", "1", "--locks", "2", "--connections", "3");
        assertThat(run.exitCode).isEqualTo(2);
        assertThat(run.errors).contains("--connections");
    }

    @Test
    void versusRunsTwoProtocolsInTurnsAndReportsEachPairAndTheMedianRatio() {
        Run run = bench("locks", "--protocol", "json-async", "--versus", "dflockd", "--pairs", "3", "--servers",
                "127.0.0.1:" + server.port(), "--workers", "2", "--rounds", "20", "--warmup", "2", "--key", "versus");

        assertThat(run.exitCode).as(run.output + run.errors).isZero();
        assertThat(run.output).contains("versus: dflockd, 3 pairs after a warm-up run of each and "
                + InterleavedRuns.SETTLING_PAIRS + " pairs not counted; connections kept from run to run");
        assertThat(run.output).contains("warm-up run json-async:", "warm-up run dflockd:");
        Matcher pairs = Pattern.compile("(?m)^pair +\\d+: json-async ([0-9.]+) ops/s p50 [0-9.]+ ms \\| dflockd ([0-9.]+) ops/s"
                + " p50 [0-9.]+ ms \\| ratio ([0-9.]+) \\| client jit -?\\d+/-?\\d+ ms$").matcher(run.output);
        int count = 0;
        while (pairs.find()) {
            count++;
            double ratio = Double.parseDouble(pairs.group(1)) / Double.parseDouble(pairs.group(2));
            assertThat(Double.parseDouble(pairs.group(3))).isCloseTo(ratio, org.assertj.core.data.Offset.offset(0.002));
        }
        assertThat(count).isEqualTo(3);
        assertThat(run.output).containsPattern("(?m)^ratio json-async/dflockd: median [0-9.]+ \\(min [0-9.]+, max [0-9.]+\\) over 3 pairs;"
                + " json-async at least as fast in [0-3] of 3$");
        assertThat(run.output).containsPattern("(?m)^json-async: median [0-9.]+ ops/s").containsPattern("(?m)^dflockd: median [0-9.]+ ops/s");

        Run same = bench("locks", "--protocol", "dflockd", "--versus", "dflockd");
        assertThat(same.exitCode).isEqualTo(2);
        assertThat(same.errors).contains("--versus must name another protocol than --protocol (or give --versus-servers)");
    }

    @Test
    void versusKeepsEachWorkersConnectionFromRunToRunUnlessToldToReconnect() {
        java.util.concurrent.atomic.AtomicInteger sessions = new java.util.concurrent.atomic.AtomicInteger();
        try (Switchboard counted = Switchboard.builder().port(0).shutdownTimeout(Duration.ofSeconds(1))
                .onSessionCreated(s -> sessions.incrementAndGet()).start()) {
            String[] args = {"locks", "--protocol", "json", "--versus", "dflockd", "--pairs", "2", "--servers",
                    "127.0.0.1:" + counted.port(), "--workers", "2", "--rounds", "10", "--warmup", "1", "--key", "kept"};
            Run kept = bench(args);
            assertThat(kept.exitCode).as(kept.output + kept.errors).isZero();
            assertThat(kept.output).contains("pairs not counted; connections kept from run to run");
            // A warm-up run, the settling pairs and the counted ones, on the same two native sessions.
            await().atMost(Duration.ofSeconds(5)).until(() -> sessions.get() >= 2);
            assertThat(sessions.get()).isEqualTo(2);

            sessions.set(0);
            String[] again = java.util.Arrays.copyOf(args, args.length + 1);
            again[args.length] = "--reconnect-each-run";
            Run reconnecting = bench(again);
            assertThat(reconnecting.exitCode).as(reconnecting.output + reconnecting.errors).isZero();
            assertThat(reconnecting.output).contains("pairs not counted; each run connects anew");
            int runs = 1 + InterleavedRuns.SETTLING_PAIRS + 2;
            await().atMost(Duration.ofSeconds(5)).until(() -> sessions.get() >= 2 * runs);
            assertThat(sessions.get()).isEqualTo(2 * runs);
        }
    }

    @Test
    void versusServersComparesTheSameProtocolOnTwoServers() throws Exception {
        try (Switchboard other = Switchboard.builder().port(0).shutdownTimeout(Duration.ofSeconds(1)).start()) {
            double firstBefore = receivedBytes(server);
            Run run = bench("locks", "--protocol", "dflockd", "--versus", "dflockd", "--pairs", "2", "--servers",
                    "127.0.0.1:" + server.port(), "--versus-servers", "127.0.0.1:" + other.port(), "--workers", "1",
                    "--rounds", "20", "--warmup", "0", "--key", "two-servers");

            assertThat(run.exitCode).as(run.output + run.errors).isZero();
            String a = "dflockd@127.0.0.1:" + server.port();
            String b = "dflockd@127.0.0.1:" + other.port();
            assertThat(run.output).contains("versus servers: [127.0.0.1:" + other.port() + "]")
                    .containsPattern("(?m)^pair +1: " + Pattern.quote(a) + " [0-9.]+ ops/s .*\\| " + Pattern.quote(b) + " [0-9.]+ ops/s")
                    .contains("ratio " + a + "/" + b + ": median");
            // Each side's runs went to its own server.
            assertThat(receivedBytes(server)).isGreaterThan(firstBefore);
            assertThat(receivedBytes(other)).isPositive();
        }

        Run pidAlone = bench("locks", "--protocol", "json", "--versus", "dflockd", "--versus-server-pid", "1");
        assertThat(pidAlone.exitCode).isEqualTo(2);
        assertThat(pidAlone.errors).contains("--versus-server-pid needs --versus-servers");
    }

    private static double receivedBytes(Switchboard s) throws Exception {
        String body = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest
                .newBuilder(java.net.URI.create("http://127.0.0.1:" + s.port() + "/metrics")).timeout(Duration.ofSeconds(5)).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString()).body();
        String series = "switchboard_network_received_bytes_total ";
        for (String line : body.split("\n")) {
            if (line.startsWith(series)) return Double.parseDouble(line.substring(series.length()).trim());
        }
        throw new AssertionError(series + "is not in the scrape");
    }

    @Test
    void theServersCpuPerOpIsReportedWhenItsProcessIsNamed() {
        // The server of these tests runs in this JVM: its process is this one.
        String self = Long.toString(ProcessHandle.current().pid());
        Run run = bench("locks", "--protocol", "dflockd", "--servers", "127.0.0.1:" + server.port(), "--workers", "2",
                "--rounds", "50", "--warmup", "0", "--key", "server-cpu", "--server-pid", self);
        assertThat(run.exitCode).as(run.output + run.errors).isZero();
        assertThat(run.output).containsPattern("(?m)^server cpu: \\d+\\.\\d us/op \\(user \\d+\\.\\d, system \\d+\\.\\d\\)$");

        Run versus = bench("locks", "--protocol", "json", "--versus", "dflockd", "--pairs", "1", "--servers",
                "127.0.0.1:" + server.port(), "--workers", "1", "--rounds", "20", "--warmup", "0", "--key", "server-cpu-versus",
                "--server-pid", self);
        assertThat(versus.exitCode).as(versus.output + versus.errors).isZero();
        assertThat(versus.output).containsPattern("(?m)^json: median .*, median server cpu \\d+\\.\\d us/op \\(user \\d+\\.\\d\\)$")
                .containsPattern("(?m)^dflockd: median .*, median server cpu \\d+\\.\\d us/op \\(user \\d+\\.\\d\\)$");

        Run unknown = bench("locks", "--protocol", "dflockd", "--server-pid", Long.toString(Integer.MAX_VALUE));
        assertThat(unknown.exitCode).isEqualTo(2);
        assertThat(unknown.errors).contains("--server-pid: no readable /proc/" + Integer.MAX_VALUE + "/stat");
    }

    @Test
    void badFlagsAreUsageErrors() {
        Run run = bench("locks", "--workers", "0");
        assertThat(run.exitCode).isEqualTo(2);
        assertThat(run.errors).contains("--workers");
    }

    @Test
    void theJavaClientRunsOnEitherTransport() {
        for (String transport : new String[] {"native", "nio"}) {
            for (String loop : new String[] {"own", "shared"}) {
                Run run = bench("locks", "--protocol", "json", "--servers", "127.0.0.1:" + server.port(), "--workers", "2",
                        "--rounds", "5", "--warmup", "0", "--client-loop", loop, "--client-transport", transport,
                        "--key", "transport-" + transport + "-" + loop);
                assertThat(run.exitCode).as(run.output + run.errors).isZero();
                assertThat(run.output).contains("client-loop=" + loop + " client-transport=" + transport);
                assertThat(run.totalOps()).isEqualTo(10);
            }
        }
        Run bad = bench("locks", "--protocol", "json", "--client-transport", "kqueue");
        assertThat(bad.exitCode).isEqualTo(2);
        assertThat(bad.errors).contains("--client-transport must be native or nio");
    }

    private static Run bench(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = BenchMain.run(new PrintWriter(out), new PrintWriter(err), args);
        return new Run(code, out.toString(), err.toString());
    }

    private record Run(int exitCode, String output, String errors) {
        double opsPerSecond() {
            Matcher m = OPS_PER_SECOND.matcher(output);
            assertThat(m.find()).as("ops/s line in:%n%s", output).isTrue();
            return Double.parseDouble(m.group(1));
        }

        long totalOps() {
            Matcher m = TOTAL_OPS.matcher(output);
            assertThat(m.find()).as("total ops line in:%n%s", output).isTrue();
            return Long.parseLong(m.group(1));
        }
    }
}
