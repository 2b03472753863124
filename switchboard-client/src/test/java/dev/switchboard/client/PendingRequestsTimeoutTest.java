package dev.switchboard.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.netty.channel.DefaultEventLoop;
import java.time.Duration;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Client-side deadlines of async requests, whose sweep waits on {@link ClientTimers}. */
class PendingRequestsTimeoutTest {
    private final DefaultEventLoop loop = new DefaultEventLoop();

    @AfterEach
    void stop() throws InterruptedException {
        loop.shutdownGracefully(0, 0, TimeUnit.SECONDS).sync();
    }

    @Test
    void aRequestSentAfterTheInFlightOnesFailedStillTimesOut() {
        PendingRequests pending = new PendingRequests();
        PendingRequests.Pending first = pending.register(1, null, false);
        pending.expireAfter(first, "lock.acquire", Duration.ofSeconds(30), loop);
        pending.failAll(new ConnectionClosedException("client closed", null));
        assertThat(first.future).isCompletedExceptionally();

        // The client is closing but its connection is still up (its session.close goes out now).
        PendingRequests.Pending later = pending.register(2, null, false);
        pending.expireAfter(later, "session.close", Duration.ofMillis(50), loop);

        await().atMost(Duration.ofSeconds(5)).until(later.future::isDone);
        assertThat(later.future.handle((v, e) -> e instanceof CompletionException c ? c.getCause() : e).join())
                .isInstanceOf(RequestTimeoutException.class);
    }

    @Test
    void onceTheConnectionIsGoneNothingIsTimedAnyMore() {
        PendingRequests pending = new PendingRequests();
        PendingRequests.Pending first = pending.register(1, null, false);
        pending.expireAfter(first, "lock.acquire", Duration.ofMillis(50), loop);
        pending.connectionGone(new ConnectionClosedException("connection closed", null));
        assertThat(first.future).isCompletedExceptionally();

        // A request that slipped in after the close is failed by its write, not by a timer left behind.
        PendingRequests.Pending late = pending.register(2, null, false);
        pending.expireAfter(late, "lock.acquire", Duration.ofMillis(20), loop);
        await().during(Duration.ofMillis(100)).atMost(Duration.ofSeconds(1)).until(() -> !late.future.isDone());
    }
}
