package dev.switchboard.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Redis peer baseline against a real redis-server on a free loopback port. CI installs the
 * server (.ci/run); elsewhere the test is skipped when it is missing.
 */
class RedisBaselineTest {
    private static final Path REDIS = Path.of("/usr/bin/redis-server");
    @TempDir
    static Path dir;
    private static Process redis;
    private static int port;

    @BeforeAll
    static void startRedis() throws Exception {
        if (!Files.isExecutable(REDIS)) {
            assertThat(System.getenv("CI")).as("CI must install redis-server (.ci/run)").isNull();
            Assumptions.abort("redis-server is not installed");
        }
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        redis = new ProcessBuilder(REDIS.toString(), "--port", String.valueOf(port), "--bind", "127.0.0.1",
                "--save", "", "--appendonly", "no", "--dir", dir.toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("redis.log").toFile()).start();
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (true) {
            try (Socket probe = new Socket("127.0.0.1", port)) {
                break;
            } catch (java.io.IOException e) {
                assertThat(System.nanoTime()).as("redis-server starts").isLessThan(deadline);
                Thread.sleep(50);
            }
        }
    }

    @AfterAll
    static void stopRedis() throws Exception {
        if (redis != null) {
            redis.destroy();
            redis.waitFor(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void redisLockBaselineCompletesEveryOp() {
        StringWriter out = new StringWriter();
        int code = BenchMain.run(new PrintWriter(out, true), new PrintWriter(out, true), "locks", "--protocol", "redis",
                "--servers", "127.0.0.1:" + port, "--workers", "3", "--rounds", "20", "--warmup", "2", "--key", "redis-bench");
        assertThat(code).as(out.toString()).isZero();
        assertThat(out.toString()).contains("total ops:  60").contains("errors:     0");
    }
}
