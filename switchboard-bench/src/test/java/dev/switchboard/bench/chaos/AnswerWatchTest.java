package dev.switchboard.bench.chaos;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The check that every request gets an outcome: a server that accepts a request and never answers
 * is counted as one violation once the request's deadline plus the margin has passed, and the
 * client's connection is cut so that it carries on; a request answered in time counts nothing.
 */
class AnswerWatchTest {
    @Test
    void aRequestNobodyAnswersIsCountedOnceAndItsConnectionCut() throws Exception {
        try (ServerSocket silent = new ServerSocket(0, 10, InetAddress.getLoopbackAddress())) {
            CompletableFuture<Socket> accepted = CompletableFuture.supplyAsync(() -> {
                try {
                    return silent.accept();
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            });
            DflockdWire wire = new DflockdWire("127.0.0.1", silent.getLocalPort());
            AnswerWatch watch = new AnswerWatch(300);
            AnswerWatch.Slot slot = watch.slot("client #1", wire);
            CompletableFuture<Void> request = CompletableFuture.runAsync(() -> {
                slot.begin("acquire lock:k", 0);
                try {
                    wire.acquire(new Target("k", 1), 0, 1_000);
                } catch (IOException | Refused e) {
                    throw new IllegalStateException(e);
                } finally {
                    slot.end();
                }
            });
            watch.sweep();
            assertThat(watch.hangs()).as("not overdue yet").isZero();

            await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(50)).until(() -> {
                watch.sweep();
                return watch.hangs() == 1;
            });
            assertThatThrownBy(() -> request.get(5, TimeUnit.SECONDS)).hasRootCauseInstanceOf(IOException.class);
            assertThat(wire.cuts()).isEqualTo(1);
            assertThat(watch.described()).singleElement().asString()
                    .contains("client #1", "acquire lock:k", "no answer within its deadline + 300 ms");
            watch.sweep();
            assertThat(watch.hangs()).as("counted once").isEqualTo(1);
            accepted.get(5, TimeUnit.SECONDS).close();
        }
    }

    @Test
    void aRequestAnsweredWithinItsDeadlineCountsNothing() {
        AnswerWatch watch = new AnswerWatch(100);
        AnswerWatch.Slot slot = watch.slot("client #2", null);
        slot.begin("wait lock:k", 60_000);
        watch.sweep();
        slot.end();
        watch.sweep();
        assertThat(watch.hangs()).isZero();
        assertThat(watch.described()).isEmpty();
    }
}
