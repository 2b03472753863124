package dev.switchboard.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.core.lock.FenceGenerator;
import dev.switchboard.core.lock.LockOutcome;
import dev.switchboard.core.lock.InMemoryLockEngine;
import dev.switchboard.core.lock.LockLostListener;
import dev.switchboard.core.lock.LockTableConfig;
import dev.switchboard.core.lock.ResourceKey;
import dev.switchboard.protocol.Reply;
import dev.switchboard.core.pubsub.Broker;
import dev.switchboard.core.pubsub.InMemoryBroker;
import dev.switchboard.core.session.Session;
import dev.switchboard.core.session.SessionRegistry;
import io.netty.util.HashedWheelTimer;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The stats result with time moved by hand, so that the decimals are exact. */
class StatsOpsTest {
    private final HashedWheelTimer timer = new HashedWheelTimer(new DefaultThreadFactory("stats-test", true), 5,
            TimeUnit.MILLISECONDS, 64);
    private final AtomicLong nanos = new AtomicLong(5_000_000_000L);
    private final FenceGenerator fences = FenceGenerator.inMemory();
    private final InMemoryLockEngine table = new InMemoryLockEngine(
            new LockTableConfig(0, 0, Duration.ofHours(1), Duration.ofHours(1), Duration.ofHours(1)),
            fences, timer, nanos::get, LockLostListener.IGNORE);
    private final Broker topics = new InMemoryBroker(0);
    private final SessionRegistry sessions = new SessionRegistry(table, topics);
    private final Dispatcher dispatcher = new Dispatcher();

    @AfterEach
    void stop() {
        table.close();
        timer.stop();
        fences.close();
    }

    @ParameterizedTest
    @CsvSource({"25400, 25.4", "0, 0", "1250, 1.25", "10000, 10", "60000, 60", "1, 0.001", "100, 0.1", "33000, 33"})
    void secondsAreWrittenPlainly(long millis, String expected) {
        BigDecimal s = StatsOps.seconds(millis);
        assertThat(s.toPlainString()).isEqualTo(expected);
        assertThat(s.toString()).isEqualTo(expected);
    }

    @SuppressWarnings("unchecked")
    @Test
    void statsCarryLeasesAndIdleTimesAsPlainDecimals() {
        new StatsOps(table, topics, sessions::count).registerWith(dispatcher);
        Session a = TestSink.open(sessions, "a", new TestSink());
        Session b = TestSink.open(sessions, "b", new TestSink());
        grant(a, ResourceKey.lock("k"), 1, 35_400);
        grant(b, ResourceKey.semaphore("one"), 1, 20_000); // limit 1: listed with the locks
        grant(a, ResourceKey.semaphore("pool"), 3, 20_000);
        release(ResourceKey.lock("idle"), grant(a, ResourceKey.lock("idle"), 1, 1_000));
        release(ResourceKey.semaphore("idle-pool"), grant(a, ResourceKey.semaphore("idle-pool"), 2, 1_000));
        nanos.addAndGet(TimeUnit.MILLISECONDS.toNanos(10_000));
        release(ResourceKey.lock("fresh"), grant(b, ResourceKey.lock("fresh"), 1, 1_000));

        Replies r = Replies.dispatch(dispatcher, a, "stats");
        Reply reply = r.get();
        assertThat(r.count()).isEqualTo(1);
        Map<String, Object> stats = reply.result();

        assertThat(stats.keySet()).containsExactly("connections", "locks", "semaphores", "idle_locks", "idle_semaphores");
        assertThat(stats.get("connections")).isEqualTo(2L);
        List<Map<String, Object>> locks = (List<Map<String, Object>>) stats.get("locks");
        assertThat(locks).hasSize(2);
        assertThat(locks.get(0)).containsExactly(
                Map.entry("key", "k"),
                Map.entry("owner_conn_id", a.ownerId()),
                Map.entry("lease_expires_in_s", new BigDecimal("25.4")),
                Map.entry("waiters", 0L));
        assertThat(plain(locks.get(0).get("lease_expires_in_s"))).isEqualTo("25.4");
        assertThat(locks.get(1)).containsEntry("key", "one").containsEntry("owner_conn_id", b.ownerId());
        assertThat(plain(locks.get(1).get("lease_expires_in_s"))).isEqualTo("10");

        assertThat(stats.get("semaphores")).isEqualTo(List.of(Map.of("key", "pool", "limit", 3L, "holders", 1L, "waiters", 0L)));

        List<Map<String, Object>> idleLocks = (List<Map<String, Object>>) stats.get("idle_locks");
        assertThat(idleLocks).extracting(m -> m.get("key")).containsExactly("fresh", "idle");
        assertThat(plain(idleLocks.get(0).get("idle_s"))).isEqualTo("0");
        assertThat(plain(idleLocks.get(1).get("idle_s"))).isEqualTo("10");
        List<Map<String, Object>> idleSems = (List<Map<String, Object>>) stats.get("idle_semaphores");
        assertThat(idleSems).hasSize(1);
        assertThat(idleSems.get(0)).containsEntry("key", "idle-pool");
        assertThat(plain(idleSems.get(0).get("idle_s"))).isEqualTo("10");
    }

    @Test
    void anExpiredButUnsweptLeaseShowsZeroNotANegativeNumber() {
        new StatsOps(table, topics, sessions::count).registerWith(dispatcher);
        Session a = TestSink.open(sessions, "a", new TestSink());
        grant(a, ResourceKey.lock("k"), 1, 1_000);
        nanos.addAndGet(TimeUnit.MILLISECONDS.toNanos(5_000));

        @SuppressWarnings("unchecked")
        List<Map<String, Object>> locks = (List<Map<String, Object>>) Replies.dispatch(dispatcher, a, "stats").get()
                .result().get("locks");
        assertThat(plain(locks.get(0).get("lease_expires_in_s"))).isEqualTo("0");
    }

    private static LockOutcome get(CompletableFuture<LockOutcome> f) {
        try {
            return f.get(5, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError("no outcome within 5 s", e);
        }
    }

    private static String plain(Object decimal) {
        assertThat(decimal).isInstanceOf(BigDecimal.class);
        return ((BigDecimal) decimal).toPlainString();
    }

    private String grant(Session owner, ResourceKey key, int limit, long leaseMs) {
        CompletableFuture<LockOutcome> f = new CompletableFuture<>();
        table.acquire(owner.ownerId(), key, limit, 0, leaseMs, f::complete);
        LockOutcome o = get(f);
        assertThat(o.status()).isEqualTo(LockOutcome.Status.ACQUIRED);
        return o.token();
    }

    private void release(ResourceKey key, String token) {
        CompletableFuture<LockOutcome> f = new CompletableFuture<>();
        table.release(key, token, f::complete);
        assertThat(get(f).status()).isEqualTo(LockOutcome.Status.RELEASED);
    }
}
