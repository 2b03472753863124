package dev.switchboard.core.time;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.util.Timeout;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class VirtualClockTest {
    private final VirtualClock clock = new VirtualClock(Instant.parse("2026-01-01T00:00:00Z"));

    @Test
    void timeMovesOnlyWhenAdvanced() {
        long start = clock.nanoTime();
        assertThat(clock.nanoTime()).isEqualTo(start);
        clock.advance(Duration.ofMillis(1500));
        assertThat(clock.nanoTime() - start).isEqualTo(TimeUnit.MILLISECONDS.toNanos(1500));
        assertThat(clock.currentTimeMillis()).isEqualTo(Instant.parse("2026-01-01T00:00:01.500Z").toEpochMilli());
        assertThat(clock.elapsed()).isEqualTo(Duration.ofMillis(1500));
    }

    @Test
    void tasksRunInDueOrderAtTheirOwnTime() {
        List<String> ran = new ArrayList<>();
        long start = clock.nanoTime();
        clock.newTimeout(t -> ran.add("c@" + (clock.nanoTime() - start) / 1_000_000), 300, TimeUnit.MILLISECONDS);
        clock.newTimeout(t -> ran.add("a@" + (clock.nanoTime() - start) / 1_000_000), 100, TimeUnit.MILLISECONDS);
        clock.newTimeout(t -> ran.add("b@" + (clock.nanoTime() - start) / 1_000_000), 100, TimeUnit.MILLISECONDS);
        clock.newTimeout(t -> ran.add("late"), 1, TimeUnit.SECONDS);

        clock.advance(Duration.ofMillis(99));
        assertThat(ran).isEmpty();
        clock.advance(Duration.ofMillis(401));
        // same deadline: first scheduled first; each sees the time it was due at
        assertThat(ran).containsExactly("a@100", "b@100", "c@300");
        assertThat(clock.pendingTasks()).isEqualTo(1);
        assertThat(clock.elapsed()).isEqualTo(Duration.ofMillis(500));
    }

    @Test
    void tasksScheduledByTasksWithinTheWindowRunToo() {
        AtomicInteger ticks = new AtomicInteger();
        // a periodic task, as the idle reaper and heartbeats are: each run schedules the next
        Runnable[] tick = new Runnable[1];
        tick[0] = () -> {
            ticks.incrementAndGet();
            clock.newTimeout(t -> tick[0].run(), 100, TimeUnit.MILLISECONDS);
        };
        clock.newTimeout(t -> tick[0].run(), 100, TimeUnit.MILLISECONDS);
        clock.advance(Duration.ofMillis(1050));
        assertThat(ticks).hasValue(10);
        // a task due at once (delay 0) runs in the same advance
        AtomicInteger now = new AtomicInteger();
        clock.newTimeout(t -> clock.newTimeout(x -> now.incrementAndGet(), 0, TimeUnit.MILLISECONDS), 10, TimeUnit.MILLISECONDS);
        clock.advance(Duration.ofMillis(10));
        assertThat(now).hasValue(1);
    }

    @Test
    void aCancelledTaskNeverRuns() {
        AtomicInteger ran = new AtomicInteger();
        Timeout t = clock.newTimeout(x -> ran.incrementAndGet(), 1, TimeUnit.SECONDS);
        assertThat(t.cancel()).isTrue();
        assertThat(t.isCancelled()).isTrue();
        clock.advance(Duration.ofSeconds(2));
        assertThat(ran).hasValue(0);
        assertThat(t.cancel()).as("cancelling twice").isFalse();
        Timeout done = clock.newTimeout(x -> ran.incrementAndGet(), 1, TimeUnit.SECONDS);
        clock.advance(Duration.ofSeconds(1));
        assertThat(done.isExpired()).isTrue();
        assertThat(done.cancel()).as("cancelling after it ran").isFalse();
        assertThat(ran).hasValue(1);
    }

    @Test
    void aFailingTaskDoesNotStopTheOthers() {
        AtomicInteger ran = new AtomicInteger();
        clock.newTimeout(x -> { throw new IllegalStateException("boom"); }, 10, TimeUnit.MILLISECONDS);
        clock.newTimeout(x -> ran.incrementAndGet(), 20, TimeUnit.MILLISECONDS);
        clock.advance(Duration.ofMillis(20));
        assertThat(ran).hasValue(1);
    }

    @Test
    void timeNeverMovesBackAndAStoppedTimerRefusesTasks() {
        assertThatThrownBy(() -> clock.advance(Duration.ofMillis(-1))).isInstanceOf(IllegalArgumentException.class);
        clock.newTimeout(x -> { }, 1, TimeUnit.SECONDS);
        assertThat(clock.stop()).hasSize(1);
        assertThat(clock.pendingTasks()).isZero();
        assertThatThrownBy(() -> clock.newTimeout(x -> { }, 1, TimeUnit.SECONDS)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void schedulingFromManyThreadsWhileAdvancingLosesNoTask() throws Exception {
        int threads = 4;
        int perThread = 500;
        AtomicInteger ran = new AtomicInteger();
        List<Long> seen = Collections.synchronizedList(new ArrayList<>());
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        CountDownLatch go = new CountDownLatch(1);
        try {
            for (int i = 0; i < threads; i++) {
                pool.submit(() -> {
                    go.await();
                    for (int j = 0; j < perThread; j++) {
                        clock.newTimeout(t -> {
                            ran.incrementAndGet();
                            seen.add(clock.nanoTime());
                        }, j % 50, TimeUnit.MILLISECONDS);
                    }
                    return null;
                });
            }
            go.countDown();
            for (int i = 0; i < 20; i++) clock.advance(Duration.ofMillis(5));
            pool.shutdown();
            assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
            clock.advance(Duration.ofMillis(100)); // every task is due now
            assertThat(ran).hasValue(threads * perThread);
            assertThat(seen).isSorted(); // one advancing thread at a time, in due order
        } finally {
            pool.shutdownNow();
        }
    }
}
