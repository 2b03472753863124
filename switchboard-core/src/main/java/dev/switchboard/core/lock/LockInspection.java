package dev.switchboard.core.lock;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * What an operator sees of the busy keys of a lock engine at one moment: each lock and semaphore
 * with a holder or a waiter, its holders (with the public half of their fencing tokens) and its
 * waiters in queue order. Bounded: at most {@code maxItems} keys, and as many holders and waiters
 * per key; {@link #truncated} says whether anything was cut.
 *
 * <p>The fence shown is the first 16 hex characters of a token (the global counter, see
 * {@link FenceGenerator}); the random half, which together with it releases the slot, never
 * appears here.
 */
public record LockInspection(List<KeyView> keys, boolean truncated) {

    /**
     * One busy key. {@code holderCount} and {@code waiterCount} are the full counts, also when the
     * lists are cut or (for an engine that only knows counts) empty.
     */
    public record KeyView(ResourceKey key, int limit, List<HolderView> holders, int holderCount,
                          List<WaiterView> waiters, int waiterCount) {
    }

    /**
     * A held slot: its owner (a session's numeric id on {@code node}), its fence (null when unknown)
     * and lease left ({@code -1} when unknown). {@code node} is null for this node's own sessions,
     * else the cluster node whose numbering the owner id is in.
     */
    public record HolderView(long ownerId, String fence, long leaseRemainingMs, String node) {
        /** A holder on this node. */
        public HolderView(long ownerId, String fence, long leaseRemainingMs) {
            this(ownerId, fence, leaseRemainingMs, null);
        }
    }

    /**
     * A queued request: its owner, whether it came by a two-phase enqueue (else a plain wait), and
     * its node as in {@link HolderView} (null for this node).
     */
    public record WaiterView(long ownerId, boolean enqueued, String node) {
        /** A waiter on this node. */
        public WaiterView(long ownerId, boolean enqueued) {
            this(ownerId, enqueued, null);
        }
    }

    /** The public half of a token: its first 16 characters when it has the dflockd 2.1 form, else null. */
    static String fenceOf(String token) {
        return token != null && token.length() == 32 ? token.substring(0, 16) : null;
    }

    /** Views of resources gathered on several threads (the shards), cut to a bound at the end. */
    static final class Builder {
        private final int maxItems;
        private final List<KeyView> keys = new ArrayList<>();
        private boolean truncated;

        Builder(int maxItems) {
            this.maxItems = Math.max(1, maxItems);
        }

        /** On the resource's shard: adds it when busy (holders, waiters or two-phase state). */
        void add(Resource r, long nowNanos) {
            if (r.idle()) return;
            List<HolderView> holders = new ArrayList<>();
            for (Holder h : r.holders()) {
                if (holders.size() >= maxItems) {
                    truncated = true;
                    break;
                }
                holders.add(new HolderView(h.owner.id, fenceOf(h.token), Math.max(0, h.remainingNanos(nowNanos) / 1_000_000L)));
            }
            List<WaiterView> waiters = new ArrayList<>();
            for (Waiter w = r.firstWaiter(); w != null; w = w.next) {
                if (waiters.size() >= maxItems) {
                    truncated = true;
                    break;
                }
                waiters.add(new WaiterView(w.owner.id, w.enqueued != null));
            }
            keys.add(new KeyView(r.key, r.limit, List.copyOf(holders), r.holderCount(), List.copyOf(waiters), r.waiterCount()));
        }

        LockInspection build() {
            keys.sort(Comparator.comparing(KeyView::key));
            boolean cut = truncated || keys.size() > maxItems;
            List<KeyView> kept = keys.size() > maxItems ? keys.subList(0, maxItems) : keys;
            return new LockInspection(List.copyOf(kept), cut);
        }
    }

    /**
     * The view an engine that knows only {@link LockStats} can give: a lock's holder without its
     * fence, a semaphore's counts, no waiter's identity.
     */
    static LockInspection fromStats(LockStats stats, int maxItems) {
        int max = Math.max(1, maxItems);
        List<KeyView> keys = new ArrayList<>();
        for (LockStats.LockInfo l : stats.locks()) {
            List<HolderView> holders = l.ownerId() == 0 ? List.of() : List.of(new HolderView(l.ownerId(), null, l.leaseExpiresInMs()));
            keys.add(new KeyView(ResourceKey.lock(l.key()), 1, holders, holders.size(), List.of(), l.waiters()));
        }
        for (LockStats.SemaphoreInfo s : stats.semaphores()) {
            keys.add(new KeyView(ResourceKey.semaphore(s.key()), s.limit(), List.of(), s.holders(), List.of(), s.waiters()));
        }
        keys.sort(Comparator.comparing(KeyView::key));
        boolean cut = keys.size() > max;
        return new LockInspection(List.copyOf(cut ? keys.subList(0, max) : keys), cut);
    }
}
