package dev.switchboard.core.lock;

import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import java.util.function.IntConsumer;

/**
 * Named FIFO locks and counting semaphores with leases, two-phase acquire and fencing tokens: the
 * state behind the {@code lock.*} and {@code sem.*} operations and dflockd's lock commands. The
 * in-memory engine ({@link InMemoryLockEngine}) keeps it in this process; a cluster engine (NATS,
 * etcd) may keep it elsewhere, and must pass the same contract suite ({@code LockEngineContract}).
 *
 * <p><b>Owners are ids.</b> Whoever holds, waits or enqueues is an owner: a {@code long} the caller
 * chooses (a session's numeric id). The engine keeps all per-owner bookkeeping itself; the caller
 * tells it when an owner starts ({@link #ownerStarted}) and ends ({@link #ownerEnded}), and learns
 * of lost slots through the {@link LockLostListener} it gave the engine.
 *
 * <p><b>Keys.</b> Locks and semaphores are separate namespaces ({@link ResourceKey}). A key comes
 * into being with the limit of its first request (1 for a lock) and keeps it until it is collected
 * idle (no holder, no waiter, no two-phase state, for the configured idle time); a request naming
 * another limit meanwhile fails {@code LIMIT_MISMATCH}. Idle keys count against the key cap.
 *
 * <p><b>Answers.</b> Every operation that takes a callback answers through it exactly once — never
 * zero times, never twice, also when the wait is cancelled, times out or its owner ends. The
 * callback runs on an engine thread: possibly the caller's own thread before the method returns
 * (when the key is not busy), otherwise whichever thread works on the key next (another caller,
 * the timer). It must not block; it may call the engine. Operations on one key take effect in
 * the order they were called from one thread; operations on different keys are independent.
 *
 * <p><b>Overload.</b> An engine may refuse a request that would create or keep state —
 * {@code acquire}, {@code enqueue}, {@code renew}, {@code await} with a timeout — with
 * {@code FAILED BUSY} when it has too much queued; it never refuses what frees state:
 * {@code release}, {@code cancelWaits}, {@code await} with timeout 0 (the way out of a queue), a
 * {@link WaitHandle} or {@code ownerEnded}. A refused request changed nothing.
 *
 * <p><b>Zero.</b> A timeout of 0 means "try once, do not wait". A lease is at least 1 ms. A limit
 * is at least 1.
 *
 * <p><b>Leases.</b> A slot is held until released, until its owner ends with {@code releaseHeld},
 * or until its lease runs out. An expired lease is never revived: renewing it fails
 * {@code LEASE_EXPIRED}; it is taken back when noticed (by the periodic sweep or the next operation
 * on the key), reported to the {@link LockLostListener} and handed to the next waiter.
 *
 * <p><b>Fences.</b> Every grant gets a new token from the engine's {@link FenceSource}; on one key,
 * each grant's fence is strictly greater than every earlier grant's.
 */
public interface LockEngine extends AutoCloseable {

    /**
     * Makes {@code ownerId} known, so that it can hold and wait. Idempotent while the owner lives.
     * An id may start again after it ended: it is then a new owner with nothing held.
     */
    void ownerStarted(long ownerId);

    /**
     * The owner has ended. From the moment this is called, no request of the owner creates state:
     * an acquire or enqueue racing with it either answers {@code OWNER_CLOSED} or creates state that
     * this cleanup removes — never state left behind. Its waits (single-phase and two-phase) are
     * answered {@code OWNER_CLOSED} and leave their queues; its two-phase state goes; its held slots
     * are released and handed on when {@code releaseHeld}, otherwise they stay until their leases
     * run out (and are then reported lost like any other). Idempotent; does not block. Unknown ids
     * are ignored.
     */
    void ownerEnded(long ownerId, boolean releaseHeld);

    /**
     * Waits up to {@code timeoutMs} (0 = try once) for one of the {@code limit} slots of
     * {@code key} (the limit is 1 for a lock), behind everyone already queued (strict FIFO: a
     * free slot is never taken past a waiter). Answers {@code ACQUIRED} (token and lease),
     * {@code TIMEOUT} (nothing held, nothing queued) or {@code FAILED}: {@code LIMIT_MISMATCH},
     * {@code MAX_LOCKS} (a new key over the key cap), {@code MAX_WAITERS} (the queue is full —
     * checked before the timeout, so a try-lock on a full queue fails so),
     * {@code OWNER_CLOSED} (unknown or ended owner), {@code CANCELLED} (the handle was used
     * while waiting), {@code FENCE_PERSISTENCE}. Nothing is re-entrant: an owner holding the
     * key queues behind itself.
     *
     * @return cancels this request's wait (see {@link WaitHandle})
     */
    WaitHandle acquire(long ownerId, ResourceKey key, int limit, long timeoutMs, long leaseMs,
                       Consumer<LockOutcome> done);

    /**
     * Two-phase, first step: takes a free slot now ({@code ACQUIRED}) or joins the queue
     * ({@code QUEUED}) without waiting. Failures as for {@link #acquire}, plus
     * {@code ALREADY_ENQUEUED} while the owner's earlier enqueue on the key has not been finished
     * by a wait. The owner's place is kept until {@link #await}, {@link #cancelWaits} or the owner
     * ends; a slot granted to it meanwhile is held under its lease.
     */
    void enqueue(long ownerId, ResourceKey key, int limit, long leaseMs, Consumer<LockOutcome> done);

    /**
     * Two-phase, second step: waits up to {@code timeoutMs} (0 = do not wait) for the slot the owner
     * enqueued for. Answers {@code ACQUIRED} with the token (the lease restarts at the enqueue's
     * length) or {@code TIMEOUT} — both end the two-phase state; a timeout gives up the place — or
     * {@code FAILED}: {@code NOT_ENQUEUED}, {@code ALREADY_WAITING} (another wait is pending),
     * {@code LEASE_EXPIRED} (the slot granted meanwhile ran out), {@code OWNER_CLOSED},
     * {@code CANCELLED} (the handle was used: the place in the queue goes too).
     *
     * @return cancels this wait (see {@link WaitHandle})
     */
    WaitHandle await(long ownerId, ResourceKey key, long timeoutMs, Consumer<LockOutcome> done);

    /**
     * Restarts the lease of {@code token} at {@code leaseMs} from now. Answers {@code RENEWED} or
     * {@code FAILED}: {@code NOT_HELD} (the token holds nothing on this key, in this namespace),
     * {@code LEASE_EXPIRED} (the lease had already run out: the slot is taken back now). The token
     * alone identifies the slot: no owner is checked.
     */
    void renew(ResourceKey key, String token, long leaseMs, Consumer<LockOutcome> done);

    /**
     * Frees the slot of {@code token} and hands it to the first waiter. Answers {@code RELEASED} or
     * {@code FAILED NOT_HELD}. An expired lease not yet taken back still releases (as in dflockd).
     * The token alone identifies the slot.
     */
    void release(ResourceKey key, String token, Consumer<LockOutcome> done);

    /**
     * Ends the owner's pending waits on {@code key} as if cancelled: each single-phase waiter leaves
     * the queue, a pending two-phase wait gives up its place and its enqueue state; each is answered
     * {@code CANCELLED}. A two-phase place with no wait pending stays. {@code done} gets how many
     * waits ended (0 when none, or for an unknown owner), once.
     */
    void cancelWaits(long ownerId, ResourceKey key, IntConsumer done);

    /**
     * The keys on which the owner has a holder, a waiter or two-phase state: a snapshot, empty for
     * an unknown or ended owner. May lag operations still in progress.
     */
    Set<ResourceKey> keysOf(long ownerId);

    /** A point-in-time view in the shape of dflockd's {@code stats}; completes on an engine thread. */
    CompletableFuture<LockStats> stats();

    /**
     * The busy keys with their holders and waiters in queue order, for an operator's view: at most
     * {@code maxItems} keys (sorted, locks before semaphores), as many holders and waiters each.
     * This default knows only what {@link #stats} tells (no fences, no waiter identities); the
     * in-memory engine overrides it with the full picture. Completes on an engine thread.
     */
    default CompletableFuture<LockInspection> inspect(int maxItems) {
        return stats().thenApply(s -> LockInspection.fromStats(s, maxItems));
    }

    /** Keys currently tracked, idle ones included (what the key cap counts). */
    int keyCount();

    /** Requests refused {@code BUSY} since the engine started. */
    long busyRefusals();

    /** Stops housekeeping; state is dropped with the engine. */
    @Override
    void close();
}
