package dev.switchboard.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.netty.channel.nio.NioIoHandler;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** The caller-driven loop on its own, without a connection: who wakes a caller that drives it. */
class CallerDrivenEventLoopTest {
    @Test
    void aDrivingCallersAnswerCompletedOnAnotherThreadWakesIt() throws Exception {
        CallerDrivenEventLoop loop = new CallerDrivenEventLoop(NioIoHandler.newFactory(), "driven-test");
        try {
            CompletableFuture<String> answer = new CompletableFuture<>();
            AtomicBoolean done = new AtomicBoolean();
            CountDownLatch returned = new CountDownLatch(1);
            Thread caller = new Thread(() -> {
                try {
                    done.set(loop.runUntilDone(answer, System.nanoTime() + TimeUnit.SECONDS.toNanos(60)));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } finally {
                    returned.countDown();
                }
            }, "caller");
            caller.start();
            // The caller takes the role (from the keeper, after its pass) and waits in the selector:
            // nothing is registered and no timer is due, so only a wake-up can end that wait early.
            await().atMost(Duration.ofSeconds(10)).until(() -> loop.inEventLoop(caller));

            // As a stream's final payload is, on the callback executor.
            answer.complete("the final payload");

            assertThat(returned.await(5, TimeUnit.SECONDS)).as("the caller returned without waiting out its deadline").isTrue();
            assertThat(done).isTrue();
        } finally {
            loop.shutdownGracefully();
            assertThat(loop.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
        }
    }
}
