package dev.switchboard.cluster.etcd;

import static java.nio.charset.StandardCharsets.UTF_8;

import dev.switchboard.core.lock.LockInspection;
import dev.switchboard.core.lock.LockInspection.HolderView;
import dev.switchboard.core.lock.LockInspection.KeyView;
import dev.switchboard.core.lock.LockInspection.WaiterView;
import dev.switchboard.core.lock.ResourceKey;
import io.etcd.jetcd.KeyValue;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The operator's view of the queues as one bounded range read of etcd shows them (every node's
 * holders and waiters): a queue's first {@code limit} keys by create revision hold, the rest wait in
 * that order. A holder's fence is the first half of the token its key's value names (else the key's
 * create revision, which is what its grant's fence will be); the random half never leaves here.
 *
 * <p>Remaining leases: this node's own holders from its clock (milliseconds); another node's from
 * the TTL etcd gives the key's lease (whole seconds, less the second of margin the lease was granted
 * with), looked up by the engine for at most {@code maxItems} leases; {@code -1} when unknown.
 */
final class EtcdLockInspectionView {
    /**
     * Most keys one inspection reads from etcd (about 3 MB of reply), whatever {@code maxItems} is:
     * a key's holders and counts need its whole queue (stored in name order, not arrival order), so
     * the read is not cut to {@code maxItems} entries per key.
     */
    static final int MAX_READ_KEYS = 10_000;

    /** One key's queue as read: its limit and its stored keys in create-revision order. */
    record Queue(ResourceKey key, int limit, List<KeyValue> entries) {
    }

    /** What was read, at most {@code maxItems} busy keys in key order, and whether anything was cut. */
    record Read(List<Queue> queues, boolean truncated) {
    }

    private EtcdLockInspectionView() {
    }

    /**
     * Groups the stored keys by lock. When etcd had {@code more} keys than were read, the last key
     * read may be partly read (its holder not among what was read), so it is left out and the view
     * is marked truncated.
     */
    static Read read(EtcdLockKeys keys, List<KeyValue> stored, boolean more, int maxItems) {
        Map<ResourceKey, Integer> limits = new HashMap<>();
        Map<ResourceKey, List<KeyValue>> queues = new TreeMap<>();
        ResourceKey last = null;
        for (KeyValue k : stored) {
            String name = k.getKey().toString(UTF_8);
            ResourceKey key = keys.resourceOf(name);
            if (key == null) continue;
            last = key;
            if (EtcdLockKeys.isMeta(name)) limits.put(key, parseLimit(k));
            else queues.computeIfAbsent(key, x -> new ArrayList<>()).add(k);
        }
        if (more && last != null) queues.remove(last);
        int max = Math.max(1, maxItems);
        List<Queue> out = new ArrayList<>();
        for (Map.Entry<ResourceKey, List<KeyValue>> e : queues.entrySet()) {
            if (out.size() >= max) break;
            List<KeyValue> entries = e.getValue();
            entries.sort(Comparator.comparingLong(KeyValue::getCreateRevision));
            out.add(new Queue(e.getKey(), limits.getOrDefault(e.getKey(), 1), List.copyOf(entries)));
        }
        return new Read(List.copyOf(out), more || queues.size() > max);
    }

    /** The etcd leases of other nodes' granted holders shown, at most {@code maxItems}: the ones to ask etcd about. */
    static Set<Long> remoteHolderLeases(Read read, Map<ResourceKey, EtcdResource> resources, int maxItems) {
        Set<Long> out = new LinkedHashSet<>();
        for (Queue q : read.queues()) {
            List<KeyValue> shown = holdersShown(q, maxItems);
            for (KeyValue k : shown) {
                if (out.size() >= Math.max(1, maxItems)) return out;
                EtcdLockKeys.Holder h = EtcdLockKeys.parseValue(k.getValue());
                if (h != null && h.token() != null && localHolder(resources, q.key(), k) == null && k.getLease() != 0) {
                    out.add(k.getLease());
                }
            }
        }
        return out;
    }

    /**
     * The view: {@code ttlSeconds} holds what etcd answered for the leases {@link #remoteHolderLeases}
     * named (a lease missing from it is unknown, {@code -1}).
     */
    static LockInspection of(Read read, Map<ResourceKey, EtcdResource> resources, Map<Long, Long> ttlSeconds,
                             String nodeId, long now, int maxItems) {
        int max = Math.max(1, maxItems);
        boolean truncated = read.truncated();
        List<KeyView> out = new ArrayList<>();
        for (Queue q : read.queues()) {
            int holderCount = Math.min(q.limit(), q.entries().size());
            List<HolderView> holders = new ArrayList<>();
            for (KeyValue k : holdersShown(q, max)) {
                EtcdLockKeys.Holder h = EtcdLockKeys.parseValue(k.getValue());
                String name = k.getKey().toString(UTF_8);
                long owner = h != null ? h.owner() : EtcdLockKeys.ownerOf(name);
                String token = h != null ? h.token() : null;
                String fence = token != null && token.length() == 32 ? token.substring(0, 16)
                        : EtcdLockKeys.hex16(k.getCreateRevision());
                EtcdWaiter mine = localHolder(resources, q.key(), k);
                long left;
                if (mine != null) left = mine.remainingMs(now);
                else if (token == null) left = h != null ? h.leaseMs() : -1; // being granted: its whole lease is ahead
                else left = ttlMs(ttlSeconds.get(k.getLease()));
                holders.add(new HolderView(owner, fence, left, otherNode(h, name, nodeId)));
            }
            List<WaiterView> waiters = new ArrayList<>();
            for (int i = holderCount; i < q.entries().size() && waiters.size() < max; i++) {
                KeyValue k = q.entries().get(i);
                EtcdLockKeys.Holder h = EtcdLockKeys.parseValue(k.getValue());
                String name = k.getKey().toString(UTF_8);
                EtcdWaiter mine = localRequest(resources, q.key(), name);
                waiters.add(new WaiterView(h != null ? h.owner() : EtcdLockKeys.ownerOf(name), mine != null && mine.twoPhase,
                        otherNode(h, name, nodeId)));
            }
            int waiterCount = q.entries().size() - holderCount;
            if (holders.size() < holderCount || waiters.size() < waiterCount) truncated = true;
            out.add(new KeyView(q.key(), q.limit(), List.copyOf(holders), holderCount, List.copyOf(waiters), waiterCount));
        }
        return new LockInspection(List.copyOf(out), truncated);
    }

    /**
     * What this node knows when etcd cannot be read: its own requests only, holders with their
     * fences and leases, waiters in create-revision order; the counts are this node's.
     */
    static LockInspection local(Map<ResourceKey, EtcdResource> resources, long now, int maxItems) {
        int max = Math.max(1, maxItems);
        boolean truncated = false;
        List<KeyView> out = new ArrayList<>();
        for (EtcdResource r : new TreeMap<>(resources).values()) {
            List<EtcdWaiter> held = new ArrayList<>();
            List<EtcdWaiter> waiting = new ArrayList<>();
            for (EtcdWaiter w : r.local) {
                if (w.state == EtcdWaiter.State.HELD) held.add(w);
                else if (w.state == EtcdWaiter.State.WAITING) waiting.add(w);
            }
            if (held.isEmpty() && waiting.isEmpty()) continue;
            if (out.size() >= max) {
                truncated = true;
                break;
            }
            waiting.sort(Comparator.comparingLong(w -> w.createRevision));
            List<HolderView> holders = new ArrayList<>();
            for (EtcdWaiter w : held.subList(0, Math.min(max, held.size()))) {
                holders.add(new HolderView(w.ownerId, w.token.substring(0, 16), w.remainingMs(now)));
            }
            List<WaiterView> waiters = new ArrayList<>();
            for (EtcdWaiter w : waiting.subList(0, Math.min(max, waiting.size()))) {
                waiters.add(new WaiterView(w.ownerId, w.twoPhase));
            }
            truncated |= held.size() > max || waiting.size() > max;
            int limit = held.isEmpty() ? waiting.get(0).limit : held.get(0).limit;
            out.add(new KeyView(r.key, limit, List.copyOf(holders), held.size(), List.copyOf(waiters), waiting.size()));
        }
        return new LockInspection(List.copyOf(out), truncated);
    }

    private static List<KeyValue> holdersShown(Queue q, int maxItems) {
        return q.entries().subList(0, Math.min(Math.min(q.limit(), q.entries().size()), Math.max(1, maxItems)));
    }

    /**
     * Null when the entry is this node's, else the node whose owner numbering its owner id is in
     * (the value's node: an adopted slot keeps its first holder's; else the key's).
     */
    private static String otherNode(EtcdLockKeys.Holder h, String etcdKey, String nodeId) {
        String node = h != null ? h.node() : EtcdLockKeys.nodeOf(etcdKey);
        return nodeId.equals(node) ? null : node;
    }

    private static long ttlMs(Long seconds) {
        if (seconds == null || seconds < 0) return -1;
        return Math.max(0, (seconds - 1) * 1000);
    }

    private static EtcdWaiter localHolder(Map<ResourceKey, EtcdResource> resources, ResourceKey key, KeyValue k) {
        EtcdWaiter w = localRequest(resources, key, k.getKey().toString(UTF_8));
        return w != null && w.state == EtcdWaiter.State.HELD ? w : null;
    }

    private static EtcdWaiter localRequest(Map<ResourceKey, EtcdResource> resources, ResourceKey key, String etcdKey) {
        EtcdResource r = resources.get(key);
        if (r == null) return null;
        for (EtcdWaiter w : r.local) {
            if (w.state != EtcdWaiter.State.DONE && etcdKey.equals(w.etcdKey)) return w;
        }
        return null;
    }

    private static int parseLimit(KeyValue meta) {
        try {
            return Integer.parseInt(meta.getValue().toString(UTF_8));
        } catch (NumberFormatException e) {
            return 1;
        }
    }
}
