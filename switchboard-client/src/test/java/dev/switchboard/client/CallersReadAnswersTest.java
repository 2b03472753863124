package dev.switchboard.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A client that owns its event loop lets a thread blocked in a call read the connection itself
 * ({@link CallerDrivenEventLoop}). Whoever drives, every answer, event and async completion still
 * arrives, a blocked caller can be interrupted or released by a close, and nothing is left running.
 */
class CallersReadAnswersTest {
    @RegisterExtension
    static final LiveServer SERVER = new LiveServer();

    private static final Duration LONG = Duration.ofSeconds(30);

    @Test
    void manyThreadsSharingOneClientEachGetTheirOwnAnswers() throws Exception {
        SwitchboardClient client = SERVER.client();
        int threads = 8;
        int rounds = 150;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<Integer>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                Resource key = Resource.lock("shared-client-" + t);
                done.add(pool.submit(() -> {
                    int granted = 0;
                    for (int i = 0; i < rounds; i++) {
                        Grant g = client.acquire(key, LONG).orElseThrow();
                        assertThat(g.resource()).isEqualTo(key);
                        client.release(g);
                        granted++;
                    }
                    return granted;
                }));
            }
            for (Future<Integer> f : done) {
                assertThat(f.get(60, TimeUnit.SECONDS)).isEqualTo(rounds);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void signalsArriveWhileNoCallIsWaiting() {
        List<String> received = new CopyOnWriteArrayList<>();
        SwitchboardClient listener = SERVER.client(b -> b.onSignal(s -> received.add(s.payload())));
        listener.listen("between.calls");
        // A burst of blocking calls, in which this thread reads the connection itself...
        for (int i = 0; i < 200; i++) {
            listener.ping();
        }
        // ...then silence from it: the signals that come now are read by the background thread.
        try (SwitchboardClient sender = SwitchboardClient.builder().host("127.0.0.1").port(SERVER.port()).connect()) {
            for (int i = 0; i < 5; i++) {
                assertThat(sender.publish("between.calls", "s" + i)).isEqualTo(1);
            }
        }
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
                assertThat(received).containsExactly("s0", "s1", "s2", "s3", "s4"));
    }

    @Test
    void asyncCallsCompleteWhenNobodyBlocksOnThem() throws Exception {
        SwitchboardClient client = SERVER.client();
        for (int i = 0; i < 100; i++) {
            client.ping(); // this thread drives, and stops driving when each call returns
        }
        for (int i = 0; i < 50; i++) {
            Optional<Grant> grant = client.tryAcquireAsync(Resource.lock("async-" + i), null).get(5, TimeUnit.SECONDS);
            assertThat(grant).isPresent();
        }
        // Mixed: one thread blocks in calls while the async answers are due.
        List<CompletableFuture<Optional<Grant>>> pending = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            pending.add(client.tryAcquireAsync(Resource.lock("mixed-" + i), null));
            client.ping();
        }
        for (CompletableFuture<Optional<Grant>> p : pending) {
            assertThat(p.get(5, TimeUnit.SECONDS)).isPresent();
        }
    }

    @Test
    void anInterruptEndsABlockedCallAndKeepsTheThreadsFlag() throws Exception {
        SwitchboardClient holder = SERVER.client();
        SwitchboardClient waiter = SERVER.client();
        Resource key = Resource.lock("interrupted-wait");
        Grant held = holder.acquire(key, LONG).orElseThrow();
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        AtomicReference<Boolean> flagAfter = new AtomicReference<>();
        Thread blocked = new Thread(() -> {
            try {
                waiter.acquire(key, LONG); // waits on the held lock, reading the connection meanwhile
            } catch (RuntimeException e) {
                thrown.set(e);
                flagAfter.set(Thread.currentThread().isInterrupted());
            }
        }, "blocked-caller");
        blocked.start();
        await().atMost(Duration.ofSeconds(5)).until(() -> blocked.getState() == Thread.State.TIMED_WAITING
                || blocked.getState() == Thread.State.RUNNABLE);
        blocked.interrupt();
        blocked.join(TimeUnit.SECONDS.toMillis(5));
        assertThat(blocked.isAlive()).isFalse();
        assertThat(thrown.get()).isInstanceOf(SwitchboardException.class)
                .extracting(e -> ((SwitchboardException) e).code()).isEqualTo("interrupted");
        assertThat(flagAfter.get()).isTrue();
        // The client still serves calls, and the abandoned wait does not keep the lock from others.
        holder.release(held);
        assertThat(waiter.ping()).isNotNull();
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
                assertThat(holder.tryAcquire(key)).isPresent());
    }

    @Test
    void closingTheClientEndsABlockedCallAndItsThreads() throws Exception {
        SwitchboardClient holder = SERVER.client();
        Resource key = Resource.lock("closed-under-caller");
        holder.acquire(key, LONG).orElseThrow();
        long before = clientThreads();
        SwitchboardClient waiter = SwitchboardClient.builder().host("127.0.0.1").port(SERVER.port()).reconnect(false).connect();
        CompletableFuture<Throwable> outcome = new CompletableFuture<>();
        Thread blocked = new Thread(() -> {
            try {
                waiter.acquire(key, LONG);
                outcome.complete(null);
            } catch (RuntimeException e) {
                outcome.complete(e);
            }
        }, "caller-of-closed-client");
        blocked.start();
        await().atMost(Duration.ofSeconds(5)).until(() -> blocked.getState() != Thread.State.NEW);
        waiter.close(); // whether the call has been sent yet or is waiting, it must end
        assertThat(outcome.get(10, TimeUnit.SECONDS)).isInstanceOf(SwitchboardException.class);
        await().atMost(Duration.ofSeconds(10)).until(() -> clientThreads() <= before);
        assertThatThrownBy(waiter::ping).isInstanceOf(SwitchboardException.class);
    }

    @Test
    void withTheOptionOffEveryAnswerStillArrives() throws Exception {
        SwitchboardClient client = SERVER.client(b -> b.callersReadAnswers(false));
        for (int i = 0; i < 100; i++) {
            Grant g = client.acquire(Resource.lock("io-thread-only"), LONG).orElseThrow();
            client.release(g);
        }
        assertThat(client.tryAcquireAsync(Resource.lock("io-thread-async"), null).get(5, TimeUnit.SECONDS)).isPresent();
    }

    /** Live threads of clients that own their loop (named after the client). */
    private static long clientThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.isAlive() && t.getName().startsWith("switchboard-client"))
                .count();
    }
}
