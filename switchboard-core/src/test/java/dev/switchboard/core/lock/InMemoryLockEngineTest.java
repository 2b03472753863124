package dev.switchboard.core.lock;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The in-memory engine against the engine contract, and what is particular to it. */
class InMemoryLockEngineTest extends LockEngineContract {
    @Override
    protected LockEngine createEngine(LockTableConfig config, FenceSource fences, ManualTimer time,
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
}
