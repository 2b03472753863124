package dev.switchboard.cluster.etcd;

import static java.nio.charset.StandardCharsets.UTF_8;

import dev.switchboard.core.lock.LockKind;
import dev.switchboard.core.lock.LockStats;
import dev.switchboard.core.lock.ResourceKey;
import io.etcd.jetcd.KeyValue;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * dflockd's {@code stats} view of the queues as etcd has them (every node's holders and waiters),
 * with what only this node knows: the remaining lease of its own holders and its idle keys.
 */
final class EtcdLockStatsView {
    private EtcdLockStatsView() {
    }

    static LockStats of(EtcdLockKeys keys, List<KeyValue> stored, Map<ResourceKey, EtcdResource> resources, long now) {
        Map<ResourceKey, Integer> limits = new HashMap<>();
        Map<ResourceKey, List<KeyValue>> queues = new HashMap<>();
        for (KeyValue k : stored) {
            String name = k.getKey().toString(UTF_8);
            ResourceKey key = keys.resourceOf(name);
            if (key == null) continue;
            if (EtcdLockKeys.isMeta(name)) {
                try {
                    limits.put(key, Integer.parseInt(k.getValue().toString(UTF_8)));
                } catch (NumberFormatException e) {
                    limits.put(key, 1);
                }
            } else {
                queues.computeIfAbsent(key, x -> new ArrayList<>()).add(k);
            }
        }
        List<LockStats.LockInfo> locks = new ArrayList<>();
        List<LockStats.SemaphoreInfo> semaphores = new ArrayList<>();
        for (Map.Entry<ResourceKey, List<KeyValue>> e : queues.entrySet()) {
            List<KeyValue> queue = e.getValue();
            queue.sort((a, b) -> Long.compare(a.getCreateRevision(), b.getCreateRevision()));
            int limit = limits.getOrDefault(e.getKey(), 1);
            int holders = Math.min(limit, queue.size());
            if (limit == 1) {
                String first = queue.get(0).getKey().toString(UTF_8);
                EtcdResource r = resources.get(e.getKey());
                long leftMs = 0;
                if (r != null) {
                    for (EtcdWaiter w : r.local) {
                        if (w.state == EtcdWaiter.State.HELD && first.equals(w.etcdKey)) leftMs = w.remainingMs(now);
                    }
                }
                // The value names the holder: a slot adopted by another node keeps its first holder's name.
                EtcdLockKeys.Holder holder = EtcdLockKeys.parseValue(queue.get(0).getValue());
                locks.add(new LockStats.LockInfo(e.getKey().name(), holder != null ? holder.owner() : EtcdLockKeys.ownerOf(first), leftMs,
                        queue.size() - holders));
            } else {
                semaphores.add(new LockStats.SemaphoreInfo(e.getKey().name(), limit, holders, queue.size() - holders));
            }
        }
        List<LockStats.IdleInfo> idleLocks = new ArrayList<>();
        List<LockStats.IdleInfo> idleSemaphores = new ArrayList<>();
        for (EtcdResource r : resources.values()) {
            if (!r.counted || queues.containsKey(r.key)) continue;
            LockStats.IdleInfo idle = new LockStats.IdleInfo(r.key.name(),
                    Math.max(0, (now - r.lastActivityNanos) / 1_000_000L));
            (r.key.kind() == LockKind.LOCK ? idleLocks : idleSemaphores).add(idle);
        }
        locks.sort((a, b) -> a.key().compareTo(b.key()));
        semaphores.sort((a, b) -> a.key().compareTo(b.key()));
        idleLocks.sort((a, b) -> a.key().compareTo(b.key()));
        idleSemaphores.sort((a, b) -> a.key().compareTo(b.key()));
        return new LockStats(List.copyOf(locks), List.copyOf(semaphores), List.copyOf(idleLocks),
                List.copyOf(idleSemaphores));
    }
}
