package dev.switchboard.core;

import static dev.switchboard.core.Replies.dispatch;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.switchboard.core.lock.LockTableConfig;
import dev.switchboard.protocol.ErrorCode;
import dev.switchboard.protocol.Reply;
import dev.switchboard.core.pubsub.Subscription;
import dev.switchboard.core.session.Session;
import dev.switchboard.core.session.store.SessionKeys;
import dev.switchboard.core.session.store.SessionRecord;
import dev.switchboard.core.session.store.SubscriptionRecord;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The lock, signal and stats operations as a transport drives them: frames in, one reply out. */
class CoreOpsTest {
    private static final long DEFAULT_LEASE = 33_000;
    private static final String TOKEN = "^[0-9a-f]{32}$";

    private final List<SwitchboardCore> cores = new ArrayList<>();
    private SwitchboardCore core;
    private Dispatcher dflockd;
    private Dispatcher nativeOps;

    @BeforeEach
    void start() {
        core = newCore(0);
        dflockd = core.dflockdDispatcher();
        nativeOps = core.nativeDispatcher();
    }

    @AfterEach
    void stop() {
        cores.forEach(SwitchboardCore::close);
    }

    private SwitchboardCore newCore(int maxSubscriptions) {
        LockTableConfig locks = new LockTableConfig(1024, 0, Duration.ofSeconds(1), Duration.ofSeconds(5),
                Duration.ofSeconds(60));
        SwitchboardCore c = new SwitchboardCore(new SwitchboardCore.Settings(locks, DEFAULT_LEASE, maxSubscriptions, null));
        cores.add(c);
        return c;
    }

    private Session session(SwitchboardCore c) {
        return TestSink.open(c.sessions(), "127.0.0.1:1", new TestSink());
    }

    private Session session() {
        return session(core);
    }

    private static Reply ok(Replies r) {
        Reply reply = r.get();
        assertThat(reply.isError()).as("reply %s", reply).isFalse();
        assertThat(r.count()).isEqualTo(1);
        return reply;
    }

    private static void error(Replies r, ErrorCode code) {
        Reply reply = r.get();
        assertThat(reply.error()).as("reply %s", reply).isEqualTo(code);
        assertThat(reply.message()).isNotBlank();
        assertThat(r.count()).isEqualTo(1);
    }

    // ---- routing and arguments ------------------------------------------------------------------

    @Test
    void unknownOperationIsUnknownOpOnBothDispatchers() {
        Session s = session();
        for (Dispatcher d : List.of(dflockd, nativeOps)) {
            Replies r = dispatch(d, s, "no.such.op");
            assertThat(r.count()).isEqualTo(1);
            error(r, ErrorCode.UNKNOWN_OP);
        }
        // Signals are offered on both: dflockd 1.x's commands and the native protocol's events.
        Replies listen = dispatch(nativeOps, s, "signal.listen", "pattern", "a");
        assertThat(listen.count()).isEqualTo(1);
        assertThat(listen.get().isError()).isFalse();
    }

    @Test
    void bothDispatchersOfferTheSameOperations() {
        List<String> ops = new ArrayList<>(List.of("stats", "signal.listen", "signal.unlisten", "signal.publish"));
        for (String prefix : List.of("lock.", "sem.")) {
            for (String op : List.of("acquire", "enqueue", "wait", "renew", "release", "cancel")) ops.add(prefix + op);
        }
        assertThat(dflockd.operations()).containsExactlyInAnyOrderElementsOf(ops);
        ops.addAll(List.of("session.info", "session.set")); // the native protocol's own view of the session
        ops.addAll(List.of("rpc.serve", "rpc.unserve", "rpc.call", "rpc.call_many", "rpc.respond", "rpc.chunk",
                "rpc.notify")); // request/reply, native only
        ops.addAll(List.of("topic.subscribe", "topic.unsubscribe", "topic.publish", "topic.history",
                "topic.presence", "topic.presence.subscribe", "topic.presence.unsubscribe")); // native publish/subscribe
        ops.addAll(List.of("presence.subscribe", "presence.unsubscribe")); // who is online, by peer id
        ops.addAll(List.of("relay.send", "relay.ack")); // direct messages by peer id
        assertThat(nativeOps.operations()).containsExactlyInAnyOrderElementsOf(ops);
    }

    static Stream<Arguments> invalidRequests() {
        String longKey = "k".repeat(257);
        return Stream.of(
                Arguments.of("lock.acquire", new Object[] {}, "key"),
                Arguments.of("lock.acquire", new Object[] {"key", ""}, "key"),
                Arguments.of("lock.acquire", new Object[] {"key", "has space"}, "key"),
                Arguments.of("lock.acquire", new Object[] {"key", "tab\there"}, "key"),
                Arguments.of("lock.acquire", new Object[] {"key", longKey}, "key"),
                Arguments.of("lock.acquire", new Object[] {"key", "é".repeat(129)}, "key"),
                Arguments.of("lock.acquire", new Object[] {"key", 42}, "key"),
                Arguments.of("lock.acquire", new Object[] {"key", "k", "timeout_ms", -1}, "timeout_ms"),
                Arguments.of("lock.acquire", new Object[] {"key", "k", "timeout_ms", "5"}, "timeout_ms"),
                Arguments.of("lock.acquire", new Object[] {"key", "k", "timeout_ms", 1.5}, "timeout_ms"),
                Arguments.of("lock.acquire", new Object[] {"key", "k", "lease_ms", 0}, "lease_ms"),
                Arguments.of("lock.acquire", new Object[] {"key", "k", "lease_ms", 9_223_372_036_001L}, "lease_ms"),
                Arguments.of("lock.enqueue", new Object[] {"key", "k", "lease_ms", -3}, "lease_ms"),
                Arguments.of("sem.acquire", new Object[] {"key", "k"}, "limit"),
                Arguments.of("sem.acquire", new Object[] {"key", "k", "limit", 0}, "limit"),
                Arguments.of("sem.acquire", new Object[] {"key", "k", "limit", 1_048_577}, "limit"),
                Arguments.of("sem.enqueue", new Object[] {"key", "k"}, "limit"),
                Arguments.of("lock.wait", new Object[] {"key", "k", "timeout_ms", -5}, "timeout_ms"),
                Arguments.of("sem.wait", new Object[] {"timeout_ms", 0}, "key"),
                Arguments.of("lock.renew", new Object[] {"key", "k"}, "token"),
                Arguments.of("lock.renew", new Object[] {"key", "k", "token", "   "}, "token"),
                Arguments.of("lock.renew", new Object[] {"key", "k", "token", "t", "lease_ms", 0}, "lease_ms"),
                Arguments.of("lock.release", new Object[] {"key", "k", "token", "x".repeat(257)}, "token"),
                Arguments.of("sem.release", new Object[] {"key", "k", "token", 7}, "token"));
    }

    @ParameterizedTest(name = "{0} {1} -> {2}")
    @MethodSource("invalidRequests")
    void invalidArgumentsAreInvalidArgumentNamingTheField(String op, Object[] fields, String field) {
        for (Dispatcher d : List.of(nativeOps, dflockd)) {
            Replies r = dispatch(d, session(), op, fields);
            error(r, ErrorCode.INVALID_ARGUMENT);
            assertThat(r.get().message()).contains(field);
        }
        // Nothing was created by a refused request.
        assertThat(core.locks().keyCount()).isZero();
    }

    @Test
    void waitWithoutTimeoutMsDefaultsToTryOnce() {
        // docs/protocol.md, common fields: timeout_ms defaults to 0.
        Session s = session();
        error(dispatch(nativeOps, s, "lock.wait", "key", "k"), ErrorCode.NOT_ENQUEUED);
    }

    // ---- locks and semaphores -------------------------------------------------------------------

    @Test
    void lockLifecycleAsInTheProtocolDocument() {
        Session s1 = session();
        Session s2 = session();

        Reply grant1 = ok(dispatch(nativeOps, s1, "lock.acquire", "key", "orders", "timeout_ms", 5000, "lease_ms", 60000));
        assertThat(grant1.result()).containsOnlyKeys("status", "token", "lease_ms");
        assertThat(grant1.status()).isEqualTo("acquired");
        assertThat(grant1.result().get("lease_ms")).isEqualTo(60_000L);
        String t1 = (String) grant1.result().get("token");
        assertThat(t1).matches(TOKEN);

        assertThat(ok(dispatch(nativeOps, s2, "lock.acquire", "key", "orders", "timeout_ms", 0)).result())
                .isEqualTo(Map.of("status", "timeout"));
        assertThat(ok(dispatch(nativeOps, s2, "lock.enqueue", "key", "orders")).result())
                .isEqualTo(Map.of("status", "queued"));
        error(dispatch(nativeOps, s2, "lock.enqueue", "key", "orders"), ErrorCode.ALREADY_ENQUEUED);
        assertThat(ok(dispatch(nativeOps, s1, "lock.renew", "key", "orders", "token", t1, "lease_ms", 10000)).result())
                .isEqualTo(Map.of("lease_ms", 10_000L));
        // Without lease_ms a renewal applies the default lease, not the lease of the grant.
        assertThat(ok(dispatch(nativeOps, s1, "lock.renew", "key", "orders", "token", t1)).result())
                .isEqualTo(Map.of("lease_ms", DEFAULT_LEASE));
        assertThat(ok(dispatch(nativeOps, s1, "lock.release", "key", "orders", "token", t1)).result()).isEmpty();

        Reply grant2 = ok(dispatch(nativeOps, s2, "lock.wait", "key", "orders", "timeout_ms", 5000));
        assertThat(grant2.status()).isEqualTo("acquired");
        assertThat(grant2.result().get("lease_ms")).isEqualTo(DEFAULT_LEASE);
        assertThat((String) grant2.result().get("token")).matches(TOKEN).isGreaterThan(t1);

        error(dispatch(nativeOps, s2, "lock.release", "key", "orders", "token", t1), ErrorCode.NOT_HELD);
        error(dispatch(nativeOps, s2, "lock.renew", "key", "orders", "token", t1), ErrorCode.NOT_HELD);
        error(dispatch(nativeOps, s2, "lock.wait", "key", "orders", "timeout_ms", 0), ErrorCode.NOT_ENQUEUED);
    }

    @Test
    void blockingAcquireIsAnsweredOnceWhenTheSlotIsFreed() {
        Session s1 = session();
        Session s2 = session();
        String t1 = (String) ok(dispatch(nativeOps, s1, "lock.acquire", "key", "k")).result().get("token");

        Replies waiting = dispatch(nativeOps, s2, "lock.acquire", "key", "k", "timeout_ms", 5000);
        assertThat(waiting.answered()).isFalse();
        ok(dispatch(nativeOps, s1, "lock.release", "key", "k", "token", t1));

        assertThat(waiting.get().status()).isEqualTo("acquired");
        assertThat(waiting.count()).isEqualTo(1);
    }

    @Test
    void blockingAcquireRunsOutAsATimeoutOutcome() {
        Session s1 = session();
        Session s2 = session();
        ok(dispatch(nativeOps, s1, "lock.acquire", "key", "k"));

        Replies waiting = dispatch(nativeOps, s2, "lock.acquire", "key", "k", "timeout_ms", 50);

        assertThat(waiting.get().result()).isEqualTo(Map.of("status", "timeout"));
        assertThat(waiting.count()).isEqualTo(1);
    }

    @Test
    void semaphoresAsInTheProtocolDocument() {
        Session s = session();
        assertThat(ok(dispatch(nativeOps, s, "sem.acquire", "key", "pool", "limit", 2, "timeout_ms", 0)).status())
                .isEqualTo("acquired");
        assertThat(ok(dispatch(nativeOps, s, "sem.acquire", "key", "pool", "limit", 2, "timeout_ms", 0)).status())
                .isEqualTo("acquired");
        assertThat(ok(dispatch(nativeOps, s, "sem.acquire", "key", "pool", "limit", 2, "timeout_ms", 0)).status())
                .isEqualTo("timeout");
        error(dispatch(nativeOps, s, "sem.acquire", "key", "pool", "limit", 3, "timeout_ms", 0), ErrorCode.LIMIT_MISMATCH);
        Reply lock = ok(dispatch(nativeOps, s, "lock.acquire", "key", "pool", "timeout_ms", 0));
        assertThat(lock.status()).isEqualTo("acquired");
        assertThat(lock.result().get("lease_ms")).isEqualTo(DEFAULT_LEASE);
    }

    @Test
    void bothProtocolsShareOneLockEngine() {
        Session nativeClient = session();
        Session dflockdClient = session();
        String token = (String) ok(dispatch(nativeOps, nativeClient, "lock.acquire", "key", "shared")).result().get("token");

        assertThat(ok(dispatch(dflockd, dflockdClient, "lock.acquire", "key", "shared", "timeout_ms", 0)).status())
                .isEqualTo("timeout");
        ok(dispatch(dflockd, dflockdClient, "lock.release", "key", "shared", "token", token));
        assertThat(ok(dispatch(dflockd, dflockdClient, "lock.acquire", "key", "shared")).status()).isEqualTo("acquired");
    }

    @Test
    void closingASessionEndsItsWaitsAndReleasesWhatItHeld() {
        Session holder = session();
        Session quitter = session();
        Session patient = session();
        ok(dispatch(nativeOps, holder, "lock.acquire", "key", "k"));
        Replies quitterWaits = dispatch(nativeOps, quitter, "lock.acquire", "key", "k", "timeout_ms", 5000);
        Replies patientWaits = dispatch(nativeOps, patient, "lock.acquire", "key", "k", "timeout_ms", 5000);
        assertThat(core.sessions().count()).isEqualTo(3);

        core.sessions().close(quitter, true);
        error(quitterWaits, ErrorCode.SESSION_CLOSED);
        assertThat(patientWaits.answered()).isFalse();

        core.sessions().close(holder, true);
        core.sessions().close(holder, true); // a second close is harmless
        assertThat(patientWaits.get().status()).isEqualTo("acquired");
        assertThat(core.sessions().count()).isEqualTo(1);
        assertThat(holder.lockKeys()).isEmpty();
        assertThat(quitter.lockKeys()).isEmpty();

        // A closed session gains nothing.
        error(dispatch(nativeOps, quitter, "lock.acquire", "key", "other"), ErrorCode.SESSION_CLOSED);
    }

    // ---- signals --------------------------------------------------------------------------------

    @Test
    void listenPublishAndUnlisten() throws Exception {
        TestSink sink = new TestSink();
        Session listener = TestSink.open(core.sessions(), "l", sink);
        Session publisher = session();

        assertThat(ok(dispatch(dflockd, listener, "signal.listen", "pattern", "orders.>")).result()).isEmpty();
        Reply published = ok(dispatch(dflockd, publisher, "signal.publish", "channel", "orders.eu", "payload", "hello world"));
        assertThat(published.result()).isEqualTo(Map.of("delivered", 1L));
        assertThat(sink.signals.poll(5, java.util.concurrent.TimeUnit.SECONDS)).isEqualTo("orders.eu hello world");

        assertThat(ok(dispatch(dflockd, publisher, "signal.publish", "channel", "other", "payload", "x")).result())
                .isEqualTo(Map.of("delivered", 0L));

        ok(dispatch(dflockd, listener, "signal.unlisten", "pattern", "orders.>"));
        assertThat(ok(dispatch(dflockd, publisher, "signal.publish", "channel", "orders.eu", "payload", "again")).result())
                .isEqualTo(Map.of("delivered", 0L));
        assertThat(sink.signals).isEmpty();
    }

    @Test
    void queueGroupsThroughTheDispatcher() {
        TestSink a = new TestSink();
        TestSink b = new TestSink();
        Session sa = TestSink.open(core.sessions(), "a", a);
        Session sb = TestSink.open(core.sessions(), "b", b);
        Session pub = session();
        ok(dispatch(dflockd, sa, "signal.listen", "pattern", "jobs.*", "group", "workers"));
        ok(dispatch(dflockd, sb, "signal.listen", "pattern", "jobs.*", "group", " workers "));

        for (int i = 0; i < 4; i++) {
            assertThat(ok(dispatch(dflockd, pub, "signal.publish", "channel", "jobs.x", "payload", "p" + i)).result())
                    .isEqualTo(Map.of("delivered", 1L));
        }
        assertThat(a.signals).hasSize(2);
        assertThat(b.signals).hasSize(2);
    }

    @Test
    void aFullSessionIsDisconnectedAsASlowConsumer() {
        TestSink slow = new TestSink();
        Session listener = TestSink.open(core.sessions(), "slow", slow);
        ok(dispatch(dflockd, listener, "signal.listen", "pattern", "x"));
        slow.full = true;

        assertThat(ok(dispatch(dflockd, session(), "signal.publish", "channel", "x", "payload", "p")).result())
                .isEqualTo(Map.of("delivered", 0L));
        assertThat(slow.disconnects).containsExactly("slow_consumer");
    }

    @Test
    void aClosedSessionNoLongerReceives() {
        TestSink sink = new TestSink();
        Session listener = TestSink.open(core.sessions(), "l", sink);
        ok(dispatch(dflockd, listener, "signal.listen", "pattern", ">"));
        core.sessions().close(listener, true);

        assertThat(ok(dispatch(dflockd, session(), "signal.publish", "channel", "x", "payload", "p")).result())
                .isEqualTo(Map.of("delivered", 0L));
        assertThat(sink.signals).isEmpty();
        assertThat(core.broker().channels()).isEmpty();
    }

    @Test
    void maxSubscriptionsPerSession() {
        SwitchboardCore capped = newCore(2);
        Session s = session(capped);
        Dispatcher d = capped.dflockdDispatcher();
        ok(dispatch(d, s, "signal.listen", "pattern", "a"));
        ok(dispatch(d, s, "signal.listen", "pattern", "b"));
        ok(dispatch(d, s, "signal.listen", "pattern", "a")); // already there: not a new one

        error(dispatch(d, s, "signal.listen", "pattern", "c"), ErrorCode.MAX_SUBSCRIPTIONS);
        ok(dispatch(d, session(capped), "signal.listen", "pattern", "c"));
    }

    @Test
    void aRestoredSessionListensAgainWithinTheCapOfTheNewProcess() {
        SwitchboardCore capped = newCore(1);
        long now = System.currentTimeMillis();
        // Saved by a process that allowed two subscriptions; this one allows one.
        SessionRecord saved = new SessionRecord("restored-1", SessionKeys.verifier("k"), Map.of(),
                List.of(SubscriptionRecord.of("a"), new SubscriptionRecord("b", "g")), now, now, 0);

        Session s = capped.sessions().restore(saved);

        assertThat(capped.broker().subscriptionsOf(s)).extracting(Subscription::pattern).containsExactly("a");
        assertThat(ok(dispatch(capped.dflockdDispatcher(), session(capped), "signal.publish", "channel", "a", "payload", "p"))
                .result()).isEqualTo(Map.of("delivered", 1L));
        assertThat(ok(dispatch(capped.dflockdDispatcher(), session(capped), "signal.publish", "channel", "b", "payload", "p"))
                .result()).isEqualTo(Map.of("delivered", 0L));
    }

    @Test
    void invalidSignalArguments() {
        Session s = session();
        for (String pattern : List.of("a.>.b", "fo*", "a..b", "", "has space")) {
            error(dispatch(dflockd, s, "signal.listen", "pattern", pattern), ErrorCode.INVALID_ARGUMENT);
            error(dispatch(dflockd, s, "signal.unlisten", "pattern", pattern), ErrorCode.INVALID_ARGUMENT);
        }
        error(dispatch(dflockd, s, "signal.listen"), ErrorCode.INVALID_ARGUMENT);
        error(dispatch(dflockd, s, "signal.listen", "pattern", "a", "group", "bad\u0001group"), ErrorCode.INVALID_ARGUMENT);

        Replies wildcardChannel = dispatch(dflockd, s, "signal.publish", "channel", "a.*", "payload", "x");
        error(wildcardChannel, ErrorCode.INVALID_ARGUMENT);
        assertThat(wildcardChannel.get().message()).contains("channel");
        for (Object[] fields : List.of(
                new Object[] {"channel", "a", "payload", ""},
                new Object[] {"channel", "a", "payload", "   "},
                new Object[] {"channel", "a", "payload", "two\nlines"},
                new Object[] {"channel", "a"},
                new Object[] {"channel", "a", "payload", "x".repeat(65_536)})) {
            Replies r = dispatch(dflockd, s, "signal.publish", fields);
            error(r, ErrorCode.INVALID_ARGUMENT);
            assertThat(r.get().message()).contains("payload");
        }
        error(dispatch(dflockd, s, "signal.publish", "channel", "a..b", "payload", "x"), ErrorCode.INVALID_ARGUMENT);
        assertThat(core.broker().subscriptionCount(s)).isZero();
    }

    @Test
    void payloadUpToTheLineCapIsAccepted() {
        TestSink sink = new TestSink();
        Session listener = TestSink.open(core.sessions(), "l", sink);
        ok(dispatch(dflockd, listener, "signal.listen", "pattern", "ch"));
        // "sig " + channel + " " + payload fits in 64 KiB exactly.
        String payload = "p".repeat(65_536 - 4 - 2 - 1);

        assertThat(ok(dispatch(dflockd, session(), "signal.publish", "channel", "ch", "payload", payload)).result())
                .isEqualTo(Map.of("delivered", 1L));
        error(dispatch(dflockd, session(), "signal.publish", "channel", "ch", "payload", payload + "p"),
                ErrorCode.INVALID_ARGUMENT);
    }

    // ---- stats ----------------------------------------------------------------------------------

    @Test
    void statsOfAnIdleServerHaveTheDflockdShape() {
        session();
        session();

        for (Dispatcher d : List.of(nativeOps, dflockd)) {
            Reply stats = ok(dispatch(d, session(core), "stats"));
            assertThat(stats.result()).containsExactly(
                    Map.entry("connections", (long) core.sessions().count()),
                    Map.entry("locks", List.of()),
                    Map.entry("semaphores", List.of()),
                    Map.entry("idle_locks", List.of()),
                    Map.entry("idle_semaphores", List.of()));
        }
    }

    @SuppressWarnings("unchecked")
    @Test
    void statsListLocksSemaphoresIdleKeysAndSignalChannels() {
        Session s = session();
        Session t = session();
        String token = (String) ok(dispatch(nativeOps, s, "lock.acquire", "key", "held", "lease_ms", 60_000)).result().get("token");
        dispatch(nativeOps, t, "lock.acquire", "key", "held", "timeout_ms", 5000);
        ok(dispatch(nativeOps, s, "sem.acquire", "key", "pool", "limit", 3));
        String idle = (String) ok(dispatch(nativeOps, s, "lock.acquire", "key", "gone")).result().get("token");
        ok(dispatch(nativeOps, s, "lock.release", "key", "gone", "token", idle));
        ok(dispatch(dflockd, s, "signal.listen", "pattern", "a.>"));
        ok(dispatch(dflockd, t, "signal.listen", "pattern", "a.>", "group", "g"));
        await().atMost(Duration.ofSeconds(5)).until(() -> waitersOf(ok(dispatch(nativeOps, s, "stats"))) == 1);

        Map<String, Object> stats = ok(dispatch(dflockd, s, "stats")).result();

        assertThat(stats.keySet()).containsExactly("connections", "locks", "semaphores", "idle_locks", "idle_semaphores",
                "signal_channels");
        assertThat(stats.get("connections")).isEqualTo(2L);
        List<Map<String, Object>> locks = (List<Map<String, Object>>) stats.get("locks");
        assertThat(locks).hasSize(1);
        assertThat(locks.get(0).keySet()).containsExactly("key", "owner_conn_id", "lease_expires_in_s", "waiters");
        assertThat(locks.get(0)).containsEntry("key", "held").containsEntry("owner_conn_id", s.ownerId())
                .containsEntry("waiters", 1L);
        assertThat(locks.get(0).get("lease_expires_in_s")).isInstanceOf(java.math.BigDecimal.class);
        assertThat(((java.math.BigDecimal) locks.get(0).get("lease_expires_in_s")).doubleValue()).isBetween(0.0, 60.0);
        assertThat(stats.get("semaphores")).isEqualTo(List.of(Map.of("key", "pool", "limit", 3L, "holders", 1L, "waiters", 0L)));
        List<Map<String, Object>> idleLocks = (List<Map<String, Object>>) stats.get("idle_locks");
        assertThat(idleLocks).extracting(m -> m.get("key")).containsExactly("gone");
        assertThat(idleLocks.get(0).keySet()).containsExactly("key", "idle_s");
        assertThat(stats.get("idle_semaphores")).isEqualTo(List.of());
        // "group" is left out when empty.
        assertThat(stats.get("signal_channels")).isEqualTo(List.of(
                Map.of("pattern", "a.>", "listeners", 1L),
                Map.of("pattern", "a.>", "group", "g", "listeners", 1L)));
        ok(dispatch(nativeOps, s, "lock.release", "key", "held", "token", token));
    }

    @SuppressWarnings("unchecked")
    private static long waitersOf(Reply stats) {
        List<Map<String, Object>> locks = (List<Map<String, Object>>) stats.result().get("locks");
        return locks.isEmpty() ? -1 : (Long) locks.get(0).get("waiters");
    }
}
