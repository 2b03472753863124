package dev.switchboard.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.netty.channel.DefaultEventLoop;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class ClientTimersTest {
    /** A loop that tells whether anything waits in its own scheduler (Netty keeps that protected). */
    private static final class InspectableLoop extends DefaultEventLoop {
        boolean hasScheduledTask() {
            return nextScheduledTaskNano() != -1;
        }
    }

    @Test
    void aDueTaskRunsOnItsLoopAndTheLoopKeepsNothingScheduled() throws Exception {
        InspectableLoop loop = new InspectableLoop();
        try {
            AtomicReference<Boolean> onLoop = new AtomicReference<>();
            CountDownLatch ran = new CountDownLatch(1);
            ClientTimers.onLoop(loop, () -> {
                onLoop.set(loop.inEventLoop());
                ran.countDown();
            }, 20, TimeUnit.MILLISECONDS);

            // The wait is the timer thread's: nothing sits in the loop's own scheduler, before the
            // task is due or after (its task queue may already hold it on a slow machine).
            assertThat(loop.submit(loop::hasScheduledTask).get()).isFalse();
            assertThat(ran.await(5, TimeUnit.SECONDS)).isTrue();
            assertThat(onLoop.get()).as("ran on its loop").isTrue();
            assertThat(loop.submit(loop::hasScheduledTask).get()).isFalse();
        } finally {
            loop.shutdownGracefully(0, 0, TimeUnit.SECONDS).sync();
        }
    }

    @Test
    void aCancelledTaskNeverRuns() throws Exception {
        DefaultEventLoop loop = new DefaultEventLoop();
        try {
            CountDownLatch ran = new CountDownLatch(1);
            ClientTimers.Timed timed = ClientTimers.onLoop(loop, ran::countDown, 30, TimeUnit.MILLISECONDS);
            timed.cancel();
            assertThat(timed.isCancelled()).isTrue();

            // A marker scheduled after it, on the same timer, runs: by then the cancelled one was due too.
            CountDownLatch marker = new CountDownLatch(1);
            ClientTimers.onLoop(loop, marker::countDown, 60, TimeUnit.MILLISECONDS);
            assertThat(marker.await(5, TimeUnit.SECONDS)).isTrue();
            assertThat(loop.submit(() -> ran.getCount()).get()).as("the cancelled task did not run").isEqualTo(1);
        } finally {
            loop.shutdownGracefully(0, 0, TimeUnit.SECONDS).sync();
        }
    }

    @Test
    void aLoopThatIsShuttingDownIsRefused() throws Exception {
        DefaultEventLoop loop = new DefaultEventLoop();
        loop.shutdownGracefully(0, 0, TimeUnit.SECONDS).sync();
        assertThatThrownBy(() -> ClientTimers.onLoop(loop, () -> { }, 1, TimeUnit.MILLISECONDS))
                .isInstanceOf(RejectedExecutionException.class);
    }

    @Test
    void aTaskDueAfterItsLoopEndedIsDroppedQuietly() throws Exception {
        DefaultEventLoop loop = new DefaultEventLoop();
        ClientTimers.Timed timed = ClientTimers.onLoop(loop, () -> { }, 30, TimeUnit.MILLISECONDS);
        loop.shutdownGracefully(0, 0, TimeUnit.SECONDS).sync();
        // Nothing to see but the absence of an error: the timer thread goes on with the next task.
        CountDownLatch next = new CountDownLatch(1);
        DefaultEventLoop other = new DefaultEventLoop();
        try {
            ClientTimers.onLoop(other, next::countDown, 60, TimeUnit.MILLISECONDS);
            await().atMost(Duration.ofSeconds(5)).until(() -> next.getCount() == 0);
            assertThat(timed.isCancelled()).isFalse();
        } finally {
            other.shutdownGracefully(0, 0, TimeUnit.SECONDS).sync();
        }
    }
}
