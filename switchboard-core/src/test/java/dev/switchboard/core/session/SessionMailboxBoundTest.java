package dev.switchboard.core.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.switchboard.core.SwitchboardCore;
import dev.switchboard.core.lock.LockTableConfig;
import dev.switchboard.core.session.store.SecureSessionKeys;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A session's mailbox holds at most {@code sessionMailboxSize} event deliveries: one more cuts the
 * session's connections as slow consumers, counts a limit hit, and keeps the event for the resume.
 * And a connection that is merely ending is not a slow consumer.
 */
class SessionMailboxBoundTest {
    private final ExecutorService publisher = Executors.newSingleThreadExecutor();
    private SwitchboardCore core;
    private final List<String> limitHits = new CopyOnWriteArrayList<>();

    @AfterEach
    void stop() throws Exception {
        publisher.shutdownNow();
        if (core != null) core.close();
    }

    private SessionRegistry registry(int mailboxSize) {
        SessionRegistry.Lifecycle lifecycle = new SessionRegistry.Lifecycle(30_000, 8, 64, true,
                0, 0, 1 << 20, SecureSessionKeys.INSTANCE, 60_000, 0, 0, 256, 0, mailboxSize);
        core = new SwitchboardCore(new SwitchboardCore.Settings(
                new LockTableConfig(1024, 16, Duration.ofSeconds(1), Duration.ofSeconds(5), Duration.ofSeconds(60)),
                30_000, 16, null, lifecycle));
        core.sessions().onLimitHit(limitHits::add);
        return core.sessions();
    }

    /** A connection that records what it is handed; the first delivery can be made to wait. */
    private static final class Conn implements SessionConnection {
        final List<Long> seqs = new CopyOnWriteArrayList<>();
        final List<String> ends = new CopyOnWriteArrayList<>();
        final CountDownLatch inFirstDelivery = new CountDownLatch(1);
        final CountDownLatch releaseFirst = new CountDownLatch(1);
        volatile boolean holdFirst;
        volatile Delivery answer = Delivery.ACCEPTED;

        @Override
        public Delivery deliver(long seq, SessionEvent event) {
            if (holdFirst && inFirstDelivery.getCount() > 0) {
                inFirstDelivery.countDown();
                await().atMost(5, TimeUnit.SECONDS).until(() -> releaseFirst.getCount() == 0);
            }
            if (answer == Delivery.ACCEPTED) seqs.add(seq);
            return answer;
        }

        @Override
        public void disconnect(String code, String message) {
            ends.add(code);
        }
    }

    private static Map<String, Object> note(int n) {
        Map<String, Object> event = new LinkedHashMap<>();
        event.put("op", "note");
        event.put("n", n);
        return event;
    }

    private static SessionRegistry.Attached attach(SessionRegistry r, Session s, SessionConnection c, long lastSeq) {
        CompletableFuture<SessionRegistry.Attach> out = new CompletableFuture<>();
        r.attach(s, c, lastSeq, out::complete);
        assertThat(out.join()).isInstanceOf(SessionRegistry.Attached.class);
        return (SessionRegistry.Attached) out.join();
    }

    private static Session openNative(SessionRegistry r) {
        return ((SessionRegistry.Opened) r.open(r.nativePolicy(), "test", "peer", "10.0.0.1", null)).session();
    }

    /** Emits event {@code n} on another thread, which then holds the mailbox while {@code held} waits in its first delivery. */
    private Future<?> holdMailbox(Session s, Conn held, int n) throws InterruptedException {
        held.holdFirst = true;
        Future<?> emitting = publisher.submit(() -> s.emit(note(n)));
        assertThat(held.inFirstDelivery.await(5, TimeUnit.SECONDS)).isTrue();
        return emitting;
    }

    @Test
    void anEventPastTheBoundCutsTheConnectionsAndIsKeptForTheResume() throws Exception {
        SessionRegistry r = registry(2);
        Session s = openNative(r);
        Conn first = new Conn();
        attach(r, s, first, 0);

        // Event 1 is delivered on another thread, which holds the mailbox while the connection waits.
        Future<?> one = holdMailbox(s, first, 1);
        assertThat(s.emit(note(2))).isTrue(); // queued
        assertThat(s.emit(note(3))).isTrue(); // queued: the mailbox holds 2
        assertThat(limitHits).isEmpty();
        assertThat(s.emit(note(4))).isTrue(); // one too many: refused by the mailbox, kept for the resume
        assertThat(limitHits).containsExactly("session_mailbox_size");
        assertThat(s.replay().lastSeq()).isEqualTo(4);

        first.releaseFirst.countDown();
        one.get(5, TimeUnit.SECONDS);
        s.emit(note(5));
        // The connection that missed event 4 is cut, and never handed event 4 or anything after it.
        await().atMost(5, TimeUnit.SECONDS).until(() -> first.ends.contains("slow_consumer"));
        assertThat(first.ends).containsOnly("slow_consumer");
        assertThat(first.seqs).startsWith(1L).doesNotContain(4L, 5L);
        assertThat(first.seqs).isSorted();

        // Its client resumes from the last event it saw and gets the rest, each once, in order, then live ones.
        long lastSeen = first.seqs.get(first.seqs.size() - 1);
        r.detach(s, first);
        Conn again = new Conn();
        SessionRegistry.Attached resumed = attach(r, s, again, lastSeen);
        assertThat(resumed.recovered()).isTrue();
        List<Long> backlog = resumed.backlog().stream().map(Outbox.Event::seq).toList();
        s.emit(note(6));
        await().atMost(5, TimeUnit.SECONDS).until(() -> again.seqs.contains(6L));
        List<Long> all = new java.util.ArrayList<>(first.seqs);
        all.addAll(backlog);
        all.addAll(again.seqs);
        assertThat(all).containsExactly(1L, 2L, 3L, 4L, 5L, 6L);
        assertThat(again.ends).isEmpty();
    }

    @Test
    void attachDetachAndCloseAreNeverRefusedByAFullMailbox() throws Exception {
        SessionRegistry r = registry(1);
        Session s = openNative(r);
        Conn first = new Conn();
        attach(r, s, first, 0);
        Future<?> one = holdMailbox(s, first, 1);
        s.emit(note(2));
        s.emit(note(3)); // refused
        assertThat(limitHits).containsExactly("session_mailbox_size");

        Conn second = new Conn();
        CompletableFuture<SessionRegistry.Attach> attached = new CompletableFuture<>();
        r.attach(s, second, 0, attached::complete);
        r.detach(s, first);
        first.releaseFirst.countDown();
        one.get(5, TimeUnit.SECONDS);

        assertThat(attached.get(5, TimeUnit.SECONDS)).isInstanceOf(SessionRegistry.Attached.class);
        assertThat(((SessionRegistry.Attached) attached.get()).backlog()).extracting(Outbox.Event::seq)
                .containsExactly(1L, 2L, 3L);
        assertThat(second.seqs).isEmpty(); // everything reached it in its backlog, nothing twice
        assertThat(s.connections()).containsExactly(second);

        // Full again, with a close behind it: the close still happens.
        Conn holder = new Conn();
        attach(r, s, holder, s.replay().lastSeq());
        Future<?> four = holdMailbox(s, holder, 4);
        s.emit(note(5));
        s.emit(note(6)); // refused
        r.close(s, true);
        holder.releaseFirst.countDown();
        four.get(5, TimeUnit.SECONDS);
        await().atMost(5, TimeUnit.SECONDS).until(() -> second.ends.contains("session_closed")
                && holder.ends.contains("session_closed"));
        assertThat(s.connections()).isEmpty();
        assertThat(r.replayBudget().usedBytes()).isZero(); // the closed session gave its buffer back
    }

    @Test
    void aConnectionThatIsEndingIsNotCutAsASlowConsumerButAFullOneIs() {
        SessionRegistry r = registry(16);
        Session s = openNative(r);
        Conn ending = new Conn();
        ending.answer = SessionConnection.Delivery.CLOSED;
        Conn full = new Conn();
        full.answer = SessionConnection.Delivery.FULL;
        attach(r, s, ending, 0);
        attach(r, s, full, 0);

        s.emit(note(1));

        assertThat(ending.ends).isEmpty();
        assertThat(full.ends).containsExactly("slow_consumer");
    }
}
