package dev.switchboard.core.lock;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.core.lock.LockOutcome.Status;
import dev.switchboard.core.time.VirtualClock;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The in-memory engine against the engine contract, and what is particular to it. */
class InMemoryLockEngineTest extends LockEngineContract {
    @Override
    protected LockEngine createEngine(LockTableConfig config, FenceSource fences, VirtualClock time,
                                      LockLostListener lost) {
        return new InMemoryLockEngine(config, fences, time, time, lost);
    }

    /**
     * Keys that differ only in their high hash bits (as sequential names do not, but many real
     * name sets do) still spread over every shard, and the low bits a shard's own map indexes on
     * are not fixed by the shard choice.
     */
    @Test
    void shardsAreChosenFromBitsTheShardMapsDoNotIndexOn() {
        Set<Integer> shards = new HashSet<>();
        Set<Integer> lowBitsInShardZero = new HashSet<>();
        for (int i = 0; i < 100_000; i++) {
            ResourceKey key = ResourceKey.lock("key-" + i);
            int shard = InMemoryLockEngine.shardIndex(key);
            shards.add(shard);
            if (shard == 0) {
                int h = key.hashCode();
                lowBitsInShardZero.add((h ^ (h >>> 16)) & 63);
            }
        }
        assertThat(shards).hasSize(64);
        assertThat(lowBitsInShardZero).hasSize(64);
    }

    /**
     * A shard's mailbox holds a bounded number of client requests: with one request running (its
     * callback blocked) and {@code mailboxSize} queued behind it, the next acquire is answered
     * BUSY at once and counted, while what frees state (a release, a wait with timeout 0) is
     * still queued; once the shard moves on, every queued request is answered.
     */
    @Test
    void aFullShardMailboxAnswersBusyButNeverRefusesWhatFreesState() throws Exception {
        InMemoryLockEngine e = new InMemoryLockEngine(
                new LockTableConfig(0, 0, Duration.ofDays(1), Duration.ofDays(1), Duration.ofDays(1), 2),
                FenceGenerator.inMemory(), time, time, LockLostListener.IGNORE);
        try {
            for (long id = 1; id <= 4; id++) e.ownerStarted(id);
            CountDownLatch running = new CountDownLatch(1);
            CountDownLatch goOn = new CountDownLatch(1);
            Thread blocker = new Thread(() -> e.acquire(1, ResourceKey.lock("k"), 1, 0, 60_000, o -> {
                running.countDown();
                try {
                    goOn.await(5, TimeUnit.SECONDS);
                } catch (InterruptedException ex) {
                    Thread.currentThread().interrupt();
                }
            }));
            blocker.start();
            assertThat(running.await(5, TimeUnit.SECONDS)).isTrue();

            Outcome queued1 = new Outcome();
            Outcome queued2 = new Outcome();
            Outcome refused = new Outcome();
            e.acquire(2, ResourceKey.lock("k"), 1, 0, 60_000, queued1);
            e.enqueue(3, ResourceKey.lock("k"), 1, 60_000, queued2);
            e.acquire(4, ResourceKey.lock("k"), 1, 0, 60_000, refused);
            Outcome release = new Outcome();
            e.release(ResourceKey.lock("k"), "0123456789abcdef0123456789abcdef", release);
            Outcome leave = new Outcome();
            e.await(3, ResourceKey.lock("k"), 0, leave);

            refused.assertFailed(LockError.BUSY);
            assertThat(e.busyRefusals()).isEqualTo(1);
            assertThat(queued1.isDone()).isFalse();
            assertThat(release.isDone()).isFalse();
            goOn.countDown();
            blocker.join(5_000);

            queued1.assertStatus(Status.TIMEOUT);
            queued2.assertStatus(Status.QUEUED);
            release.assertFailed(LockError.NOT_HELD);
            leave.assertStatus(Status.TIMEOUT);
            assertThat(e.keysOf(3)).isEmpty();
            assertThat(e.keysOf(4)).isEmpty();
            // The mailbox has room again.
            Outcome later = new Outcome();
            e.acquire(4, ResourceKey.lock("other"), 1, 0, 60_000, later);
            later.acquired();
        } finally {
            e.close();
        }
    }
}
