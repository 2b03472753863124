package dev.switchboard.core.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class SessionMailboxTest {
    private static final SessionEvent EVENT = new FieldsEvent(java.util.Map.of("op", "note"));

    @Test
    void anEventOfferedToAnIdleMailboxIsRunByTheCallerWithNothingQueued() {
        List<Long> delivered = new ArrayList<>();
        SessionMailbox mailbox = new SessionMailbox(4, (seq, e) -> delivered.add(seq));

        assertThat(mailbox.offer(1, EVENT)).isEqualTo(SessionMailbox.Offer.RUN_NOW);
        assertThat(mailbox.queuedEvents()).isZero();
        // The caller holds the mailbox: a control task waits until it lets go.
        List<String> ran = new ArrayList<>();
        mailbox.execute(() -> ran.add("task"));
        assertThat(ran).isEmpty();
        mailbox.release();
        assertThat(ran).containsExactly("task");
        assertThat(mailbox.offer(2, EVENT)).isEqualTo(SessionMailbox.Offer.RUN_NOW);
        mailbox.release();
    }

    @Test
    void pastItsBoundABusyMailboxRefusesEventsButNeverControlTasks() throws Exception {
        List<Long> delivered = new CopyOnWriteArrayList<>();
        List<String> tasks = new CopyOnWriteArrayList<>();
        SessionMailbox mailbox = new SessionMailbox(3, (seq, e) -> delivered.add(seq));
        CountDownLatch running = new CountDownLatch(1);
        CountDownLatch proceed = new CountDownLatch(1);
        ExecutorService other = Executors.newSingleThreadExecutor();
        try {
            // Another thread holds the mailbox with a task that waits.
            Future<?> holder = other.submit(() -> mailbox.execute(() -> {
                running.countDown();
                await().atMost(5, TimeUnit.SECONDS).until(() -> proceed.getCount() == 0);
            }));
            assertThat(running.await(5, TimeUnit.SECONDS)).isTrue();

            assertThat(mailbox.offer(1, EVENT)).isEqualTo(SessionMailbox.Offer.QUEUED);
            assertThat(mailbox.offer(2, EVENT)).isEqualTo(SessionMailbox.Offer.QUEUED);
            assertThat(mailbox.offer(3, EVENT)).isEqualTo(SessionMailbox.Offer.QUEUED);
            assertThat(mailbox.offer(4, EVENT)).isEqualTo(SessionMailbox.Offer.FULL);
            assertThat(mailbox.queuedEvents()).isEqualTo(3);
            mailbox.execute(() -> tasks.add("detach"));
            mailbox.execute(() -> tasks.add("close"));
            assertThat(delivered).isEmpty();

            proceed.countDown();
            holder.get(5, TimeUnit.SECONDS);
            // The holder's thread ran everything queued behind it, in order.
            assertThat(delivered).containsExactly(1L, 2L, 3L);
            assertThat(tasks).containsExactly("detach", "close");
            assertThat(mailbox.queuedEvents()).isZero();
            assertThat(mailbox.offer(5, EVENT)).isEqualTo(SessionMailbox.Offer.RUN_NOW);
            mailbox.release();
        } finally {
            other.shutdownNow();
        }
    }

    @Test
    void offersFromManyThreadsAreDeliveredOneAtATimeAllInTheOrderTheyWereNumbered() throws Exception {
        int threads = 4;
        int perThread = 5_000;
        AtomicInteger running = new AtomicInteger();
        AtomicInteger overlaps = new AtomicInteger();
        List<Long> delivered = new ArrayList<>(); // written in the mailbox only
        Object numbering = new Object();
        long[] next = {0};
        SessionMailbox.Deliverer deliverer = (seq, e) -> {
            if (running.incrementAndGet() != 1) overlaps.incrementAndGet();
            delivered.add(seq);
            running.decrementAndGet();
        };
        SessionMailbox mailbox = new SessionMailbox(threads * perThread, deliverer);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                futures.add(pool.submit(() -> {
                    for (int i = 0; i < perThread; i++) {
                        long seq;
                        SessionMailbox.Offer offer;
                        synchronized (numbering) { // as Session.emit: numbered and offered under one monitor
                            seq = ++next[0];
                            offer = mailbox.offer(seq, EVENT);
                        }
                        if (offer == SessionMailbox.Offer.RUN_NOW) {
                            deliverer.deliver(seq, EVENT);
                            mailbox.release();
                        } else if (offer == SessionMailbox.Offer.QUEUED_DRAIN) {
                            mailbox.drainQueued();
                        }
                    }
                }));
            }
            for (Future<?> f : futures) f.get(30, TimeUnit.SECONDS);
        } finally {
            pool.shutdownNow();
        }
        CompletableFuture<List<Long>> seen = new CompletableFuture<>();
        mailbox.execute(() -> seen.complete(List.copyOf(delivered)));
        List<Long> all = seen.get(5, TimeUnit.SECONDS);
        assertThat(overlaps.get()).isZero();
        assertThat(all).hasSize(threads * perThread);
        for (int i = 0; i < all.size(); i++) assertThat(all.get(i)).isEqualTo(i + 1L);
    }
}
