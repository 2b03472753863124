package dev.switchboard.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.epoll.Epoll;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The loops' polling on real epoll handlers, with a budget long enough that what the tests do
 * happens while a loop polls: a wake-up from another thread is not signalled then, and each loop
 * must still notice it when the poll ends instead of sleeping past it.
 */
class AnswerSpinLoopTest {
    private static final Duration LONG_POLL = Duration.ofMillis(300);

    @BeforeEach
    void epoll() {
        assumeTrue(Epoll.isAvailable(), "polling runs on the epoll transport only");
    }

    @Test
    void aTaskQueuedFromAnotherThreadWhileTheLoopPollsRuns() throws Exception {
        EventLoopGroup group = ClientEventLoops.newGroup(1, "poll-test", LONG_POLL);
        try {
            for (int i = 0; i < 6; i++) { // past the back-off too
                CountDownLatch ran = new CountDownLatch(1);
                group.next().execute(ran::countDown);
                assertThat(ran.await(5, TimeUnit.SECONDS)).as("task %d ran", i).isTrue();
                Thread.sleep(50); // the loop polls again (or, backed off, sleeps) before the next one
            }
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
    }

    @Test
    void aDrivingCallerSeesItsAnswerCompletedElsewhereWhileItPolls() throws Exception {
        CallerDrivenEventLoop loop = new CallerDrivenEventLoop(ClientTransport.handlerFactory(true, LONG_POLL), "poll-test");
        try {
            CompletableFuture<String> answer = new CompletableFuture<>();
            Caller caller = Caller.start(loop, answer);
            await().atMost(Duration.ofSeconds(10)).until(() -> loop.inEventLoop(caller.thread));
            answer.complete("done");
            assertThat(caller.returned.await(5, TimeUnit.SECONDS)).as("the caller returned before its deadline").isTrue();
            assertThat(caller.done).isTrue();
        } finally {
            loop.shutdownGracefully();
            assertThat(loop.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
        }
    }

    @Test
    void aShutdownWhileADrivingCallerPollsMakesItLeaveTheRole() throws Exception {
        CallerDrivenEventLoop loop = new CallerDrivenEventLoop(ClientTransport.handlerFactory(true, LONG_POLL), "poll-test");
        CompletableFuture<String> never = new CompletableFuture<>();
        Caller caller = Caller.start(loop, never);
        await().atMost(Duration.ofSeconds(10)).until(() -> loop.inEventLoop(caller.thread));

        loop.shutdownGracefully();

        // It leaves the role (it then waits for its answer as any caller of a closed loop does).
        await().atMost(Duration.ofSeconds(5)).until(() -> !loop.inEventLoop(caller.thread));
        assertThat(loop.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
        never.complete("closed");
        assertThat(caller.returned.await(5, TimeUnit.SECONDS)).isTrue();
    }

    /** A thread blocked in {@link CallerDrivenEventLoop#runUntilDone} for up to a minute. */
    private static final class Caller {
        final CountDownLatch returned = new CountDownLatch(1);
        final AtomicBoolean done = new AtomicBoolean();
        Thread thread;

        static Caller start(CallerDrivenEventLoop loop, CompletableFuture<?> answer) {
            Caller c = new Caller();
            c.thread = new Thread(() -> {
                try {
                    c.done.set(loop.runUntilDone(answer, System.nanoTime() + TimeUnit.SECONDS.toNanos(60)));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } finally {
                    c.returned.countDown();
                }
            }, "caller");
            c.thread.start();
            return c;
        }
    }
}
