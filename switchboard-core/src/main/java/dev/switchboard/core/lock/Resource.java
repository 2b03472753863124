package dev.switchboard.core.lock;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The state of one key: holders, the FIFO queue and two-phase state. Touched only on its shard.
 *
 * <p>Compact on purpose, since a node may hold 100k keys and most are locks with one holder and
 * nobody waiting: a lock's holder is a plain field, a semaphore's holders a map made on its first
 * grant, the queue is linked through the waiters themselves, and the two-phase map is made on the
 * first enqueue. Nothing else is allocated per key.
 */
final class Resource {
    final ResourceKey key;
    final int limit;
    long lastActivityNanos;
    /** The holder when {@link #limit} is 1. */
    private Holder single;
    /** The holders, in grant order, when {@link #limit} is more than 1; null until the first grant. */
    private Map<String, Holder> many;
    private Waiter head;
    private Waiter tail;
    private int waiterCount;
    /** Two-phase state per owner; null while there is none. */
    private Map<OwnerState, Enqueued> enqueued;

    Resource(ResourceKey key, int limit, long nowNanos) {
        this.key = key;
        this.limit = limit;
        this.lastActivityNanos = nowNanos;
    }

    // ---- holders ---------------------------------------------------------------------------

    int holderCount() {
        if (limit == 1) return single == null ? 0 : 1;
        return many == null ? 0 : many.size();
    }

    boolean hasRoom() {
        return holderCount() < limit;
    }

    Holder holder(String token) {
        if (limit == 1) return single != null && single.token.equals(token) ? single : null;
        return many == null ? null : many.get(token);
    }

    /** The holder granted first among those still holding; null when none. */
    Holder firstHolder() {
        if (limit == 1) return single;
        return many == null || many.isEmpty() ? null : many.values().iterator().next();
    }

    void addHolder(Holder h) {
        if (limit == 1) {
            single = h;
        } else {
            if (many == null) many = new LinkedHashMap<>();
            many.put(h.token, h);
        }
    }

    boolean removeHolder(Holder h) {
        if (limit == 1) {
            if (single != h) return false;
            single = null;
            return true;
        }
        if (many == null || !many.remove(h.token, h)) return false;
        if (many.isEmpty()) many = null;
        return true;
    }

    /** A copy of the holders, safe to iterate while removing. */
    List<Holder> holders() {
        if (limit == 1) return single == null ? List.of() : List.of(single);
        return many == null ? List.of() : new ArrayList<>(many.values());
    }

    // ---- the queue -------------------------------------------------------------------------

    int waiterCount() {
        return waiterCount;
    }

    Waiter firstWaiter() {
        return head;
    }

    void addWaiter(Waiter w) {
        w.prev = tail;
        w.next = null;
        if (tail == null) head = w;
        else tail.next = w;
        tail = w;
        w.queued = true;
        waiterCount++;
    }

    /** Unlinks {@code w}; false when it was not queued here. */
    boolean unlinkWaiter(Waiter w) {
        if (!w.queued) return false;
        if (w.prev == null) head = w.next;
        else w.prev.next = w.next;
        if (w.next == null) tail = w.prev;
        else w.next.prev = w.prev;
        w.prev = null;
        w.next = null;
        w.queued = false;
        waiterCount--;
        return true;
    }

    /** The queued waiters of {@code owner}, in queue order. */
    List<Waiter> waitersOf(OwnerState owner) {
        List<Waiter> out = new ArrayList<>();
        for (Waiter w = head; w != null; w = w.next) {
            if (w.owner == owner) out.add(w);
        }
        return out;
    }

    // ---- two-phase state -------------------------------------------------------------------

    Enqueued enqueued(OwnerState owner) {
        return enqueued == null ? null : enqueued.get(owner);
    }

    void putEnqueued(Enqueued state) {
        if (enqueued == null) enqueued = new HashMap<>(4);
        enqueued.put(state.owner, state);
    }

    boolean removeEnqueued(Enqueued state) {
        if (enqueued == null || !enqueued.remove(state.owner, state)) return false;
        if (enqueued.isEmpty()) enqueued = null;
        return true;
    }

    boolean idle() {
        return holderCount() == 0 && waiterCount == 0 && enqueued == null;
    }
}
