package dev.switchboard.core.lock;

import dev.switchboard.core.util.MonotonicClock;
import io.netty.util.Timer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The keys of one shard and every operation on them. All methods run on {@link #mailbox}, one at
 * a time, so the state here has a single writer and needs no lock.
 */
final class LockShard {
    final ShardMailbox mailbox;
    private final Map<ResourceKey, Resource> resources = new HashMap<>();
    private final InMemoryLockEngine engine;
    private final MonotonicClock clock;
    private final Timer timer;

    LockShard(InMemoryLockEngine engine, MonotonicClock clock, Timer timer, int mailboxSize) {
        this.mailbox = new ShardMailbox(mailboxSize);
        this.engine = engine;
        this.clock = clock;
        this.timer = timer;
    }

    void acquire(OwnerState owner, ResourceKey key, int limit, long timeoutMs, long leaseMs,
                 Consumer<LockOutcome> done, PendingWait wait) {
        long now = clock.nanoTime();
        Resource r = resourceFor(key, limit, now, done);
        if (r == null) return;
        evictExpired(r, now);
        if (r.hasRoom() && r.waiterCount() == 0) {
            if (!admit(r, owner, done)) return;
            grantNew(r, owner, leaseMs, now, done);
            return;
        }
        // dflockd checks the waiter cap before the timeout: a try-lock on a full queue is max_waiters.
        if (waitersFull(r, done)) return;
        if (timeoutMs == 0) {
            done.accept(LockOutcome.timeout());
            return;
        }
        if (!admit(r, owner, done)) return;
        Waiter w = new Waiter(owner, leaseMs, null, done);
        r.addWaiter(w);
        wait.resource = r;
        wait.waiter = w;
        w.timer = timer.newTimeout(t -> mailbox.execute(() -> timeoutWaiter(r, w)), timeoutMs, TimeUnit.MILLISECONDS);
    }

    void enqueue(OwnerState owner, ResourceKey key, int limit, long leaseMs, Consumer<LockOutcome> done) {
        long now = clock.nanoTime();
        Resource r = resourceFor(key, limit, now, done);
        if (r == null) return;
        if (owner != null && r.enqueued(owner) != null) {
            done.accept(LockOutcome.failed(LockError.ALREADY_ENQUEUED));
            return;
        }
        evictExpired(r, now);
        if (r.hasRoom() && r.waiterCount() == 0) {
            if (!admit(r, owner, done)) return;
            Enqueued state = new Enqueued(owner, leaseMs);
            Holder h = grantNew(r, owner, leaseMs, now, null);
            if (h == null) {
                done.accept(LockOutcome.failed(LockError.FENCE_PERSISTENCE));
                return;
            }
            state.holder = h;
            r.putEnqueued(state);
            owner.ref(key);
            done.accept(LockOutcome.acquired(h.token, leaseMs));
            return;
        }
        if (waitersFull(r, done) || !admit(r, owner, done)) return;
        Enqueued state = new Enqueued(owner, leaseMs);
        state.waiter = new Waiter(owner, leaseMs, state, null);
        r.addWaiter(state.waiter);
        r.putEnqueued(state);
        owner.ref(key);
        done.accept(LockOutcome.queued());
    }

    void await(OwnerState owner, ResourceKey key, long timeoutMs, Consumer<LockOutcome> done, PendingWait wait) {
        long now = clock.nanoTime();
        Resource r = resources.get(key);
        Enqueued state = r == null || owner == null ? null : r.enqueued(owner);
        if (state == null) {
            done.accept(LockOutcome.failed(owner == null ? LockError.OWNER_CLOSED : LockError.NOT_ENQUEUED));
            return;
        }
        r.lastActivityNanos = now;
        if (state.pendingWait != null) {
            done.accept(LockOutcome.failed(LockError.ALREADY_WAITING));
            return;
        }
        if (state.holder != null) {
            Holder h = state.holder;
            if (evictIfExpired(r, h, now, done)) return;
            h.renew(state.leaseMs, now);
            finishEnqueued(r, state);
            done.accept(LockOutcome.acquired(h.token, state.leaseMs));
            return;
        }
        if (timeoutMs == 0) {
            removeWaiter(r, state.waiter);
            finishEnqueued(r, state);
            done.accept(LockOutcome.timeout());
            return;
        }
        state.pendingWait = done;
        wait.resource = r;
        wait.enqueued = state;
        wait.callback = done;
        state.waitTimer = timer.newTimeout(t -> mailbox.execute(() -> timeoutWait(r, state, done)),
                timeoutMs, TimeUnit.MILLISECONDS);
    }

    void renew(ResourceKey key, String token, long leaseMs, Consumer<LockOutcome> done) {
        long now = clock.nanoTime();
        Resource r = resources.get(key);
        Holder h = holder(r, token, now, done);
        if (h == null || evictIfExpired(r, h, now, done)) return;
        h.renew(leaseMs, now);
        done.accept(LockOutcome.renewed(leaseMs));
    }

    /** Release does not check the lease, as in dflockd: an expired holder not yet swept still releases. */
    void release(ResourceKey key, String token, Consumer<LockOutcome> done) {
        long now = clock.nanoTime();
        Resource r = resources.get(key);
        Holder h = holder(r, token, now, done);
        if (h == null) return;
        removeHolder(r, h);
        grantWaiters(r, now);
        done.accept(LockOutcome.released());
    }

    /** Removes everything {@code owner} has on {@code key}; held slots only when {@code releaseHeld}. */
    void releaseOwner(OwnerState owner, ResourceKey key, boolean releaseHeld) {
        Resource r = resources.get(key);
        if (r == null) return;
        long now = clock.nanoTime();
        Enqueued state = r.enqueued(owner);
        if (state != null) {
            Consumer<LockOutcome> wait = state.takePendingWait();
            if (state.waiter != null) removeWaiter(r, state.waiter);
            if (state.holder != null && releaseHeld) removeHolder(r, state.holder);
            finishEnqueued(r, state);
            if (wait != null) wait.accept(LockOutcome.failed(LockError.OWNER_CLOSED));
        }
        for (Waiter w : r.waitersOf(owner)) {
            removeWaiter(r, w);
            if (w.callback != null) w.callback.accept(LockOutcome.failed(LockError.OWNER_CLOSED));
        }
        if (releaseHeld) {
            for (Holder h : r.holders()) {
                if (h.owner == owner) removeHolder(r, h);
            }
        }
        r.lastActivityNanos = now;
        grantWaiters(r, now);
    }

    /**
     * Ends the owner's pending waits on the key, as if they had timed out: single-phase waiters
     * leave the queue, and a pending two-phase wait gives up its place and its enqueue state. Each
     * ended wait is answered CANCELLED. Returns how many were ended.
     */
    int cancelWaits(OwnerState owner, ResourceKey key) {
        Resource r = resources.get(key);
        if (r == null || owner == null) return 0;
        int cancelled = 0;
        for (Waiter w : r.waitersOf(owner)) {
            if (w.callback == null) continue; // a two-phase place: it goes only with a pending wait
            removeWaiter(r, w);
            w.callback.accept(LockOutcome.failed(LockError.CANCELLED));
            cancelled++;
        }
        Enqueued state = r.enqueued(owner);
        if (state != null && state.pendingWait != null) {
            cancelPendingWait(r, state);
            cancelled++;
        }
        r.lastActivityNanos = clock.nanoTime();
        return cancelled;
    }

    /**
     * Ends one request's wait, if it is still waiting: a single-phase waiter leaves the queue; a
     * pending two-phase wait gives up its place and its enqueue state. Answered CANCELLED.
     */
    void cancel(PendingWait wait) {
        Resource r = wait.resource;
        if (r == null) return; // answered before it had to wait
        if (wait.waiter != null) {
            if (wait.waiter.queued) {
                removeWaiter(r, wait.waiter);
                r.lastActivityNanos = clock.nanoTime();
                wait.waiter.callback.accept(LockOutcome.failed(LockError.CANCELLED));
            }
        } else if (wait.enqueued != null && wait.enqueued.pendingWait == wait.callback
                && r.enqueued(wait.enqueued.owner) == wait.enqueued) {
            cancelPendingWait(r, wait.enqueued);
            r.lastActivityNanos = clock.nanoTime();
        }
    }

    private void cancelPendingWait(Resource r, Enqueued state) {
        Consumer<LockOutcome> wait = state.takePendingWait();
        if (state.waiter != null) removeWaiter(r, state.waiter);
        finishEnqueued(r, state);
        wait.accept(LockOutcome.failed(LockError.CANCELLED));
    }

    void sweepExpired() {
        long now = clock.nanoTime();
        for (Resource r : resources.values()) {
            if (r.holderCount() > 0) evictExpired(r, now);
        }
    }

    void collectIdle(long maxIdleNanos) {
        long now = clock.nanoTime();
        Iterator<Resource> it = resources.values().iterator();
        while (it.hasNext()) {
            Resource r = it.next();
            if (r.idle() && now - r.lastActivityNanos >= maxIdleNanos) {
                it.remove();
                engine.keyRemoved();
            }
        }
    }

    /** On the shard: hands every resource, with the time now, to {@code visitor} (stats, inspection). */
    void visit(java.util.function.ObjLongConsumer<Resource> visitor) {
        long now = clock.nanoTime();
        for (Resource r : resources.values()) {
            visitor.accept(r, now);
        }
    }

    // ---- internals -------------------------------------------------------------------------

    /** The holder of {@code token}, or null after answering NOT_HELD. */
    private Holder holder(Resource r, String token, long now, Consumer<LockOutcome> done) {
        Holder h = r == null ? null : r.holder(token);
        if (h == null) {
            done.accept(LockOutcome.failed(LockError.NOT_HELD));
            return null;
        }
        r.lastActivityNanos = now;
        return h;
    }

    /** A late caller loses the slot: an expired lease is never resurrected. */
    private boolean evictIfExpired(Resource r, Holder h, long now, Consumer<LockOutcome> done) {
        if (!h.expired(now)) return false;
        removeHolder(r, h);
        grantWaiters(r, now);
        done.accept(LockOutcome.failed(LockError.LEASE_EXPIRED)); // told here, so not reported lost
        return true;
    }

    private Resource resourceFor(ResourceKey key, int limit, long now, Consumer<LockOutcome> done) {
        Resource r = resources.get(key);
        if (r != null) {
            if (r.limit != limit) {
                done.accept(LockOutcome.failed(LockError.LIMIT_MISMATCH));
                return null;
            }
            r.lastActivityNanos = now;
            return r;
        }
        if (!engine.tryAddKey()) {
            done.accept(LockOutcome.failed(LockError.MAX_LOCKS));
            return null;
        }
        r = new Resource(key, limit, now);
        resources.put(key, r);
        return r;
    }

    /**
     * Takes the ref that the state about to be created will own. It records the key for the
     * owner before checking whether the owner has ended, the reverse of the order in which
     * {@code ownerEnded} marks the owner ended and then reads its keys; so either this side sees
     * the end, or the owner's cleanup sees the key. A null owner is one the engine does not know
     * (never started, or ended before the request was made).
     */
    private boolean admit(Resource r, OwnerState owner, Consumer<LockOutcome> done) {
        if (owner == null) {
            done.accept(LockOutcome.failed(LockError.OWNER_CLOSED));
            return false;
        }
        owner.ref(r.key);
        if (owner.ended()) {
            owner.unref(r.key);
            done.accept(LockOutcome.failed(LockError.OWNER_CLOSED));
            return false;
        }
        return true;
    }

    private boolean waitersFull(Resource r, Consumer<LockOutcome> done) {
        int max = engine.maxWaiters();
        if (max > 0 && r.waiterCount() >= max) {
            done.accept(LockOutcome.failed(LockError.MAX_WAITERS));
            return true;
        }
        return false;
    }

    /**
     * Creates a holder for an admitted owner (whose admission ref it takes over) and, with a
     * callback, reports the grant. Returns null when no fence could be issued.
     */
    private Holder grantNew(Resource r, OwnerState owner, long leaseMs, long now, Consumer<LockOutcome> done) {
        String token;
        try {
            token = engine.nextToken();
        } catch (FencePersistenceException e) {
            owner.unref(r.key);
            if (done != null) done.accept(LockOutcome.failed(LockError.FENCE_PERSISTENCE));
            return null;
        }
        Holder h = new Holder(token, owner, leaseMs, now);
        r.addHolder(h);
        if (done != null) done.accept(LockOutcome.acquired(token, leaseMs));
        return h;
    }

    /** Hands free slots to the queue in FIFO order. */
    private void grantWaiters(Resource r, long now) {
        while (r.hasRoom() && r.waiterCount() > 0) {
            Waiter w = r.firstWaiter();
            r.unlinkWaiter(w);
            w.cancelTimer();
            // The waiter's ref becomes the holder's ref.
            Holder h;
            try {
                h = new Holder(engine.nextToken(), w.owner, w.leaseMs, now);
            } catch (FencePersistenceException e) {
                failWaiter(r, w);
                continue;
            }
            r.addHolder(h);
            if (w.enqueued != null) {
                Enqueued state = w.enqueued;
                state.waiter = null;
                state.holder = h;
                Consumer<LockOutcome> wait = state.takePendingWait();
                if (wait != null) {
                    finishEnqueued(r, state);
                    wait.accept(LockOutcome.acquired(h.token, state.leaseMs));
                }
            } else {
                w.callback.accept(LockOutcome.acquired(h.token, w.leaseMs));
            }
        }
    }

    private void failWaiter(Resource r, Waiter w) {
        w.owner.unref(r.key);
        Consumer<LockOutcome> cb = w.callback;
        if (w.enqueued != null) {
            cb = w.enqueued.takePendingWait();
            w.enqueued.waiter = null;
            finishEnqueued(r, w.enqueued);
        }
        if (cb != null) cb.accept(LockOutcome.failed(LockError.FENCE_PERSISTENCE));
    }

    private void evictExpired(Resource r, long now) {
        if (r.limit == 1) { // the common case, without a copy of the holders
            Holder h = r.firstHolder();
            if (h == null || !h.expired(now)) return;
        }
        List<Holder> expired = null;
        for (Holder h : r.holders()) {
            if (h.expired(now)) {
                if (expired == null) expired = new ArrayList<>();
                expired.add(h);
            }
        }
        if (expired == null) return;
        for (Holder h : expired) {
            removeHolder(r, h);
            engine.lockLost(h.owner, r.key, h.token);
        }
        grantWaiters(r, now);
    }

    /** Removes a holder and any two-phase state that points at it. */
    private void removeHolder(Resource r, Holder h) {
        if (!r.removeHolder(h)) return;
        h.owner.unref(r.key);
        Enqueued state = r.enqueued(h.owner);
        if (state != null && state.holder == h) {
            state.holder = null;
            Consumer<LockOutcome> wait = state.takePendingWait();
            finishEnqueued(r, state);
            if (wait != null) wait.accept(LockOutcome.failed(LockError.LEASE_EXPIRED));
        }
    }

    private void removeWaiter(Resource r, Waiter w) {
        if (r.unlinkWaiter(w)) {
            w.cancelTimer();
            w.owner.unref(r.key);
        }
    }

    private void finishEnqueued(Resource r, Enqueued state) {
        if (r.removeEnqueued(state)) {
            state.owner.unref(r.key);
        }
    }

    private void timeoutWaiter(Resource r, Waiter w) {
        if (w.queued) {
            removeWaiter(r, w);
            r.lastActivityNanos = clock.nanoTime();
            w.callback.accept(LockOutcome.timeout());
        }
    }

    private void timeoutWait(Resource r, Enqueued state, Consumer<LockOutcome> done) {
        if (state.pendingWait != done || r.enqueued(state.owner) != state) {
            return; // granted or cleaned up in the meantime
        }
        state.pendingWait = null;
        state.waitTimer = null;
        if (state.waiter != null) removeWaiter(r, state.waiter);
        finishEnqueued(r, state);
        r.lastActivityNanos = clock.nanoTime();
        done.accept(LockOutcome.timeout());
    }
}
