package dev.switchboard.core.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.switchboard.core.SwitchboardCore;
import dev.switchboard.core.lock.LockTableConfig;
import dev.switchboard.protocol.ErrorCode;
import dev.switchboard.protocol.Frame;
import dev.switchboard.protocol.Reply;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A request's context: closing its connection cancels it (and only it), and a grant that its
 * requester cannot receive — the connection is gone, or the answer could not be written — is
 * given back at once, so that the next waiter gets the lock without waiting for a lease.
 */
class RequestContextTest {
    private final SwitchboardCore core = new SwitchboardCore(new SwitchboardCore.Settings(
            new LockTableConfig(1024, 0, Duration.ofSeconds(1), Duration.ofSeconds(5), Duration.ofSeconds(60)),
            60_000, 0, null, SessionRegistry.Lifecycle.defaults()));

    @AfterEach
    void stop() {
        core.close();
    }

    /** Replies as a transport would write them; {@code unwritable} makes every write fail (the undo runs). */
    private static final class Wire implements Request.Replier {
        final List<Reply> written = new CopyOnWriteArrayList<>();
        final AtomicInteger undone = new AtomicInteger();
        volatile boolean unwritable;

        @Override
        public void deliver(Reply reply, Runnable undo) {
            if (unwritable) {
                undone.incrementAndGet();
                undo.run();
            } else {
                written.add(reply);
            }
        }

        Reply last() {
            await().atMost(Duration.ofSeconds(5)).until(() -> !written.isEmpty());
            return written.get(written.size() - 1);
        }
    }

    private Session nativeSession() {
        SessionRegistry r = core.sessions();
        return ((SessionRegistry.Opened) r.open(r.nativePolicy(), "test", "t", null, null)).session();
    }

    private static Frame frame(String op, Object... kv) {
        Map<String, Object> f = new java.util.LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) f.put((String) kv[i], kv[i + 1]);
        return new Frame(op, null, f);
    }

    private void submit(Session s, RequestOrigin origin, Wire wire, String op, Object... kv) {
        s.submit(core.nativeDispatcher(), frame(op, kv), origin, wire);
    }

    private String acquireNow(Session s, String key) {
        Wire w = new Wire();
        submit(s, new RequestOrigin(), w, "lock.acquire", "key", key);
        Reply r = w.last();
        assertThat(r.status()).isEqualTo("acquired");
        return (String) r.result().get("token");
    }

    private int waiters(String key) {
        return core.locks().stats().join().locks().stream().filter(l -> l.key().equals(key))
                .mapToInt(l -> l.waiters()).findFirst().orElse(0);
    }

    @Test
    void aGrantThatCannotBeWrittenIsReleasedAndTheNextWaiterGetsIt() {
        Session holder = nativeSession();
        Session lost = nativeSession();
        Session next = nativeSession();
        String token = acquireNow(holder, "k");
        Wire lostWire = new Wire();
        lostWire.unwritable = true;
        Wire nextWire = new Wire();
        submit(lost, new RequestOrigin(), lostWire, "lock.acquire", "key", "k", "timeout_ms", 30_000L);
        await().atMost(Duration.ofSeconds(5)).until(() -> waiters("k") == 1);
        submit(next, new RequestOrigin(), nextWire, "lock.acquire", "key", "k", "timeout_ms", 30_000L);
        await().atMost(Duration.ofSeconds(5)).until(() -> waiters("k") == 2);

        submit(holder, new RequestOrigin(), new Wire(), "lock.release", "key", "k", "token", token);

        // The grant to the lost requester could not be written: it was undone, and the slot passed on.
        assertThat(nextWire.last().status()).isEqualTo("acquired");
        assertThat(lostWire.undone.get()).isEqualTo(1);
        assertThat(lostWire.written).isEmpty();
        assertThat(lost.lockKeys()).isEmpty();
    }

    @Test
    void aReplyToAClosedOriginIsNotDeliveredAndItsGrantIsUndone() {
        Session s = nativeSession();
        RequestOrigin origin = new RequestOrigin();
        Wire wire = new Wire();
        AtomicInteger undone = new AtomicInteger();
        Request request = new Request(s, frame("lock.acquire", "key", "x"), origin, wire);
        request.track();
        origin.close();
        request.reply(Reply.ok(Map.of("status", "acquired")), undone::incrementAndGet);
        assertThat(wire.written).isEmpty();
        assertThat(undone.get()).isEqualTo(1);
        assertThat(origin.pendingCount()).isZero();
    }

    @Test
    void closingOneConnectionCancelsOnlyItsOwnRequests() {
        Session holder = nativeSession();
        Session shared = nativeSession();
        String ta = acquireNow(holder, "a");
        acquireNow(holder, "b");
        RequestOrigin first = new RequestOrigin();
        RequestOrigin second = new RequestOrigin();
        Wire firstWire = new Wire();
        Wire secondWire = new Wire();
        submit(shared, first, firstWire, "lock.acquire", "key", "b", "timeout_ms", 30_000L);
        submit(shared, second, secondWire, "lock.acquire", "key", "a", "timeout_ms", 30_000L);
        await().atMost(Duration.ofSeconds(5)).until(() -> waiters("a") == 1 && waiters("b") == 1);
        assertThat(first.pendingCount()).isEqualTo(1);

        first.close();

        await().atMost(Duration.ofSeconds(5)).until(() -> waiters("b") == 0);
        assertThat(firstWire.written).as("a cancelled request's answer goes nowhere").isEmpty();
        assertThat(waiters("a")).as("the other connection's wait stands").isEqualTo(1);
        assertThat(shared.requestsInFlight()).isEqualTo(1);
        submit(holder, new RequestOrigin(), new Wire(), "lock.release", "key", "a", "token", ta);
        assertThat(secondWire.last().status()).isEqualTo("acquired");
        assertThat(core.sessions().requestsInFlight()).isZero();
    }

    @Test
    void aRequestWaitingItsTurnInAOneAtATimeSessionIsCancelledWithItsConnection() {
        SessionRegistry r = core.sessions();
        Session holder = nativeSession();
        Session serial = ((SessionRegistry.Opened) r.open(r.dflockdHttpPolicy(), "test", "t", null, null)).session();
        String token = acquireNow(holder, "s");
        RequestOrigin running = new RequestOrigin();
        RequestOrigin queued = new RequestOrigin();
        Wire runningWire = new Wire();
        Wire queuedWire = new Wire();
        serial.submit(core.dflockdDispatcher(), frame("lock.acquire", "key", "s", "timeout_ms", 30_000L), running, runningWire);
        serial.submit(core.dflockdDispatcher(), frame("lock.acquire", "key", "other"), queued, queuedWire);
        assertThat(serial.requestsInFlight()).isEqualTo(2);

        queued.close(); // gone while waiting for its turn: it never runs
        submit(holder, new RequestOrigin(), new Wire(), "lock.release", "key", "s", "token", token);

        assertThat(runningWire.last().status()).isEqualTo("acquired");
        await().atMost(Duration.ofSeconds(5)).until(() -> serial.requestsInFlight() == 0);
        assertThat(queuedWire.written).isEmpty();
        assertThat(serial.lockKeys()).extracting(k -> k.name()).containsExactly("s");
    }

    @Test
    void aOneAtATimeSessionRefusesRequestsPastItsQueue() {
        SessionRegistry r = new SessionRegistry(core.locks(), core.broker(), null,
                new SessionRegistry.Lifecycle(30_000, 8, 16, true, 0, 0, 1 << 20,
                        dev.switchboard.core.session.store.SecureSessionKeys.INSTANCE, 0, 0, 0, 1, 0));
        Session holder = nativeSession();
        acquireNow(holder, "q");
        Session serial = ((SessionRegistry.Opened) r.open(r.dflockdHttpPolicy(), "test", "t", null, null)).session();
        Wire first = new Wire();
        Wire second = new Wire();
        Wire third = new Wire();
        serial.submit(core.dflockdDispatcher(), frame("lock.acquire", "key", "q", "timeout_ms", 30_000L), null, first);
        serial.submit(core.dflockdDispatcher(), frame("lock.acquire", "key", "q2"), null, second);
        serial.submit(core.dflockdDispatcher(), frame("lock.acquire", "key", "q3"), null, third);
        assertThat(third.last().error()).isEqualTo(ErrorCode.TOO_MANY_REQUESTS);
        assertThat(r.queueRejections()).isEqualTo(1);
        assertThat(second.written).isEmpty(); // still waiting for its turn
        r.close(serial, true);
        assertThat(first.last().error()).isEqualTo(ErrorCode.SESSION_CLOSED);
        assertThat(second.last().error()).isEqualTo(ErrorCode.SESSION_CLOSED);
    }

    @Test
    void aRequestNotAnsweredByItsDeadlineGetsTheExpiryReplyAndALateGrantIsGivenBack() {
        Session s = nativeSession();
        Wire wire = new Wire();
        AtomicInteger cancelled = new AtomicInteger();
        AtomicInteger undone = new AtomicInteger();
        Request request = new Request(s, frame("test.op"), new RequestOrigin(), wire);
        core.sessions().equip(request);
        request.onCancel(cancelled::incrementAndGet);
        request.expireAfter(50, Reply.error(ErrorCode.CANCELLED, "deadline"));

        assertThat(wire.last().error()).isEqualTo(ErrorCode.CANCELLED);
        assertThat(request.isExpired()).isTrue();
        assertThat(cancelled.get()).as("the operation was told to stop").isEqualTo(1);

        request.reply(Reply.ok(Map.of("status", "acquired")), undone::incrementAndGet);
        assertThat(wire.written).hasSize(1);
        assertThat(undone.get()).as("what the late reply carried is given back").isEqualTo(1);
        assertThat(core.sessions().lateReplies()).isEqualTo(1);
    }

    @Test
    void aRequestAnsweredBeforeItsDeadlineIsNotAnsweredTwice() {
        Session s = nativeSession();
        Wire wire = new Wire();
        Request request = new Request(s, frame("test.op"), new RequestOrigin(), wire);
        core.sessions().equip(request);
        request.expireAfter(100, Reply.error(ErrorCode.CANCELLED, "deadline"));
        request.reply(Reply.ok(Map.of()));
        await().during(Duration.ofMillis(150)).atMost(Duration.ofSeconds(2)).until(() -> wire.written.size() == 1);
        assertThat(wire.written.get(0).isError()).isFalse();
        assertThat(request.isExpired()).isFalse();
        assertThat(core.sessions().lateReplies()).isZero();
    }
}
