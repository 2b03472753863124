package dev.switchboard.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The shared group's loops wait for I/O without a deadline while nothing is scheduled: whatever is
 * scheduled later, from the loop or from another thread, must still wake them in time.
 */
class ClientEventLoopsTest {
    @Test
    void aTaskScheduledFromAnotherThreadWakesAnIdleLoop() throws Exception {
        EventLoopGroup group = ClientEventLoops.newGroup(1, "loops-test");
        try {
            EventLoop loop = group.next();
            loop.submit(() -> { }).sync(); // started, and now idle with nothing scheduled
            CountDownLatch ran = new CountDownLatch(1);
            long start = System.nanoTime();
            loop.schedule(ran::countDown, 50, TimeUnit.MILLISECONDS);

            assertThat(ran.await(5, TimeUnit.SECONDS)).isTrue();
            assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isBetween(45L, 2_000L);
        } finally {
            group.shutdownGracefully(0, 0, TimeUnit.SECONDS).sync();
        }
    }

    @Test
    void aGracefulShutdownWithAQuietPeriodEnds() throws Exception {
        EventLoopGroup group = ClientEventLoops.newGroup(2, "loops-test");
        group.next().submit(() -> { }).sync();
        // The quiet period is where a loop that blocked without a deadline could hang: it must not.
        group.shutdownGracefully(100, 5_000, TimeUnit.MILLISECONDS);
        assertThat(group.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void aTaskScheduledOnTheLoopRunsAtItsTime() throws Exception {
        EventLoopGroup group = ClientEventLoops.newGroup(1, "loops-test");
        try {
            EventLoop loop = group.next();
            CountDownLatch ran = new CountDownLatch(1);
            long start = System.nanoTime();
            loop.execute(() -> loop.schedule(ran::countDown, 50, TimeUnit.MILLISECONDS));

            assertThat(ran.await(5, TimeUnit.SECONDS)).isTrue();
            assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isBetween(45L, 2_000L);
        } finally {
            group.shutdownGracefully(0, 0, TimeUnit.SECONDS).sync();
        }
    }
}
