package dev.switchboard.core.util;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class SerialExecutorTest {

    @Test
    void tasksFromOneThreadRunInSubmissionOrder() {
        SerialExecutor executor = new SerialExecutor();
        List<Integer> ran = new ArrayList<>();
        for (int i = 0; i < 1_000; i++) {
            int n = i;
            executor.execute(() -> ran.add(n));
        }
        // Uncontended, each task runs on the submitting thread before execute returns.
        assertThat(ran).hasSize(1_000);
        for (int i = 0; i < 1_000; i++) assertThat(ran.get(i)).isEqualTo(i);
    }

    @Test
    void concurrentSubmissionsRunOneAtATimeAllOfThemAndInEachSubmittersOrder() throws Exception {
        SerialExecutor executor = new SerialExecutor();
        int threads = 8;
        int perThread = 5_000;
        AtomicInteger running = new AtomicInteger();
        AtomicInteger overlaps = new AtomicInteger();
        AtomicInteger done = new AtomicInteger();
        // Written only inside tasks: if tasks never overlap, plain (unsynchronized) lists suffice.
        Map<Integer, List<Integer>> seen = new ConcurrentHashMap<>();
        for (int t = 0; t < threads; t++) seen.put(t, new ArrayList<>());
        int[] unsafeCounter = new int[1];

        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int thread = t;
                futures.add(pool.submit(() -> {
                    start.await();
                    for (int i = 0; i < perThread; i++) {
                        int n = i;
                        executor.execute(() -> {
                            if (running.incrementAndGet() != 1) overlaps.incrementAndGet();
                            unsafeCounter[0]++;
                            seen.get(thread).add(n);
                            if (n % 512 == 0) Thread.yield();
                            running.decrementAndGet();
                            done.incrementAndGet();
                        });
                    }
                    return null;
                }));
            }
            start.countDown();
            for (Future<?> f : futures) f.get(30, TimeUnit.SECONDS);
        } finally {
            pool.shutdownNow();
        }

        // An execute may return while another thread is still draining: wait for the last task.
        await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(5))
                .until(() -> done.get() == threads * perThread);
        assertThat(overlaps.get()).isZero();
        // Reading "done" orders these reads after every task's plain writes.
        assertThat(unsafeCounter[0]).isEqualTo(threads * perThread);
        for (int t = 0; t < threads; t++) {
            List<Integer> order = seen.get(t);
            assertThat(order).hasSize(perThread);
            for (int i = 0; i < perThread; i++) assertThat(order.get(i)).isEqualTo(i);
        }
    }

    @Test
    void aThrowingTaskDoesNotStopLaterOnes() {
        SerialExecutor executor = new SerialExecutor();
        List<String> ran = new CopyOnWriteArrayList<>();
        executor.execute(() -> ran.add("before"));
        executor.execute(() -> {
            throw new IllegalStateException("boom (expected by the test)");
        });
        executor.execute(() -> ran.add("after"));
        executor.execute(() -> {
            throw new AssertionError("an Error too (expected by the test)");
        });
        executor.execute(() -> ran.add("last"));

        assertThat(ran).containsExactly("before", "after", "last");
    }

    @Test
    void aThrowingTaskInsideABatchDoesNotStopTheRestOfTheBatch() {
        SerialExecutor executor = new SerialExecutor();
        List<String> ran = new CopyOnWriteArrayList<>();
        // Tasks submitted from inside a running task are queued behind it and drained by the same loop.
        executor.execute(() -> {
            executor.execute(() -> {
                throw new IllegalStateException("boom (expected by the test)");
            });
            executor.execute(() -> ran.add("queued after the failure"));
            ran.add("outer");
        });
        assertThat(ran).containsExactly("outer", "queued after the failure");
    }

    @Test
    void aTaskSubmittedFromATaskRunsAfterItNotInsideIt() {
        SerialExecutor executor = new SerialExecutor();
        List<String> ran = new CopyOnWriteArrayList<>();
        executor.execute(() -> {
            ran.add("outer start");
            executor.execute(() -> ran.add("inner"));
            ran.add("outer end");
        });
        assertThat(ran).containsExactly("outer start", "outer end", "inner");
    }
}
