package dev.switchboard.cluster.etcd;

import static dev.switchboard.cluster.etcd.EtcdLockKeys.bytes;
import static dev.switchboard.cluster.etcd.EtcdLockKeys.rangeEnd;
import static java.nio.charset.StandardCharsets.UTF_8;

import dev.switchboard.cluster.ClusterConnections;
import dev.switchboard.cluster.NodeLease;
import dev.switchboard.cluster.etcd.EtcdWaiter.State;
import dev.switchboard.core.lock.FenceGenerator;
import dev.switchboard.core.lock.LockEngine;
import dev.switchboard.core.lock.LockError;
import dev.switchboard.core.lock.LockInspection;
import dev.switchboard.core.lock.LockKind;
import dev.switchboard.core.lock.LockLostListener;
import dev.switchboard.core.lock.LockOutcome;
import dev.switchboard.core.lock.LockStats;
import dev.switchboard.core.lock.LockTableConfig;
import dev.switchboard.core.lock.ResourceKey;
import dev.switchboard.core.lock.WaitHandle;
import dev.switchboard.core.time.NodeClock;
import dev.switchboard.core.util.MonotonicClock;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.Lease;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.DeleteOption;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.LeaseOption;
import io.etcd.jetcd.options.PutOption;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.watch.WatchEvent;
import io.etcd.jetcd.watch.WatchResponse;
import io.netty.util.Timeout;
import io.netty.util.Timer;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiFunction;
import java.util.function.Consumer;
import java.util.function.IntConsumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Locks and semaphores shared by every node of a cluster through etcd.
 *
 * <p><b>Queues.</b> Each acquire or enqueue writes one waiter key under the resource's queue prefix
 * ({@link EtcdLockKeys}); an owner holds a slot when its key is among the first {@code limit} keys by
 * create revision, so the order is FIFO across all nodes. Waiters watch the queue from the revision
 * they read it at and look at their place again when a key goes. The limit lives in a {@code meta}
 * key written (compared) with every waiter; a request naming another limit fails
 * {@code LIMIT_MISMATCH} while anyone queues, and while the key is idle until the GC idle time has
 * passed: the queue's last delete moves the meta onto an {@link IdleLimitLease}.
 *
 * <p><b>Fences.</b> A grant's token is dflockd's 32-hex form: the waiter key's create revision, then
 * 16 random hex digits. Grants on a key follow create-revision order, and etcd revisions only grow
 * (also across an etcd restart on the same data), so fences grow per key across the cluster.
 *
 * <p><b>Leases.</b> The node clock enforces millisecond leases (the sweep takes expired slots back,
 * reports them lost and deletes their keys). In etcd, a held key is attached to its own lease of
 * {@link LeaseSeconds#of ceil(lease s) + 1} whole seconds, which only matters when this node dies;
 * renew moves the key (same create revision, same token) onto a fresh lease. Waiting keys hang on the
 * node-wide lease ({@link NodeLease}), so a dead node's waiters leave every queue within its TTL.
 *
 * <p><b>Failures.</b> Every etcd call has a deadline ({@link EtcdLockSettings#callTimeout}); a request
 * whose call fails or misses it is answered {@code FAILED FENCE_PERSISTENCE} (the grant's fence could
 * not be written), never left hanging. A held key that vanishes from etcd, or whose renew cannot
 * reach etcd, is reported to the {@link LockLostListener} and dropped here: a holder is never told it
 * holds what etcd no longer grants. A key this node no longer wants is deleted until it goes, and
 * after a failed call this node's keys that no live request owns are deleted ({@link StaleKeyCleaner}):
 * a waiting key on the node lease never runs out by itself, and first in line it blocks every node.
 *
 * <p><b>Threads.</b> All state lives on one engine thread; callbacks and the lost listener run there.
 * Etcd calls of one key run one after another on that key's chain ({@link EtcdResource}); calls of
 * different keys overlap. The key cap ({@code maxKeys}) bounds this node's table of keys;
 * {@code maxWaiters} is checked against the whole queue in etcd; requests not yet answered are
 * bounded by {@code mailboxSize} × 64 (the in-memory engine's total), beyond which the engine answers
 * {@code BUSY}.
 */
public final class EtcdLockEngine implements LockEngine {
    private static final Logger log = LoggerFactory.getLogger(EtcdLockEngine.class);
    private static final CompletableFuture<Void> DONE = EngineLoop.DONE;
    /** The in-memory engine has 64 shard mailboxes of {@code mailboxSize}: this engine bounds the same total. */
    private static final int MAILBOXES = 64;
    private static final int CREATE_ATTEMPTS = 3;

    private final KV kv;
    private final Lease leases;
    private final Watch watches;
    private final String nodeId;
    private final EtcdLockKeys keys;
    private final EtcdLockSettings settings;
    private final LockTableConfig config;
    private final Timer timer;
    private final MonotonicClock clock;
    private final LockLostListener lost;
    private final EngineLoop loop;
    private final NodeLease nodeLease;
    /** Whether the node lease is this engine's own (made alone, in tests), given back when it closes. */
    private final boolean ownsNodeLease;
    private final AutoCloseable nodeLeaseListener;
    private final IdleLimitLease idleLimits;
    private final StaleKeyCleaner staleKeys;
    private final Map<Long, EtcdOwner> owners = new HashMap<>();
    private final Map<ResourceKey, EtcdResource> resources = new HashMap<>();
    private final AtomicInteger keyCount = new AtomicInteger();
    private final AtomicInteger unanswered = new AtomicInteger();
    private final AtomicLong busyRefusals = new AtomicLong();
    private final SplittableRandom random = new SplittableRandom(new SecureRandom().nextLong()); // engine thread
    private final long callTimeoutMs;
    private volatile boolean closed;
    private volatile Timeout sweep;
    /** Most stored keys {@link #inspect} reads; lowered by tests to reach the cut without 10,000 keys. */
    volatile int inspectionReadLimit = EtcdLockInspectionView.MAX_READ_KEYS;

    /**
     * @param etcd    the node's etcd client (shared; not closed by the engine)
     * @param nodeId  unique among the cluster's nodes: it qualifies the owner ids in the keys
     * @param timer   the node clock's timer: timeouts, the sweep
     * @param clock   the node clock: leases
     */
    public EtcdLockEngine(Client etcd, String nodeId, EtcdLockSettings settings, LockTableConfig config, Timer timer,
                          MonotonicClock clock, LockLostListener lost) {
        this(etcd, nodeId, settings, config, timer, clock, lost, null);
    }

    /**
     * @param nodeLease the node's lease, shared with its other engines (not given back by this one),
     *                  or null for a lease of the engine's own ({@code nodeLeaseTtlSeconds})
     */
    public EtcdLockEngine(Client etcd, String nodeId, EtcdLockSettings settings, LockTableConfig config, Timer timer,
                          MonotonicClock clock, LockLostListener lost, NodeLease nodeLease) {
        this.kv = etcd.getKVClient();
        this.leases = etcd.getLeaseClient();
        this.watches = etcd.getWatchClient();
        this.nodeId = nodeId;
        this.keys = new EtcdLockKeys(settings.prefix());
        this.settings = settings;
        this.config = config;
        this.timer = timer;
        this.clock = clock;
        this.lost = lost;
        this.callTimeoutMs = settings.callTimeout().toMillis();
        this.loop = new EngineLoop(nodeId, callTimeoutMs, this::etcdCallFailed);
        this.staleKeys = new StaleKeyCleaner(kv, loop, keys.locksPrefix(), nodeId, callTimeoutMs,
                this::liveKeys, () -> closed);
        this.ownsNodeLease = nodeLease == null;
        this.nodeLease = ownsNodeLease
                ? new NodeLease(etcd, nodeId, settings.nodeLeaseTtlSeconds(), settings.callTimeout()) : nodeLease;
        this.nodeLeaseListener = this.nodeLease.listen(id -> post(() -> nodeLeaseLost(id)));
        this.idleLimits = new IdleLimitLease(leases, config.gcMaxIdle());
        scheduleSweep();
    }

    /** The engine of a cluster node: its etcd client, node id and node lease, time from its clock. */
    public static EtcdLockEngine create(ClusterConnections connections, EtcdLockSettings settings, LockTableConfig config,
                                        NodeClock clock, LockLostListener lost, NodeLease nodeLease) {
        EtcdLockEngine engine = new EtcdLockEngine(connections.etcd(), connections.nodeId(), settings, config, clock.timer(),
                clock, lost, nodeLease);
        engine.loop.calls = connections.etcdCalls(); // before any request: each etcd call counts in the node's etcd stats
        return engine;
    }

    // ---- the LockEngine API: each call posts to the engine thread ------------------------------------------

    @Override
    public void ownerStarted(long ownerId) {
        post(() -> owners.computeIfAbsent(ownerId, EtcdOwner::new));
    }

    @Override
    public void ownerEnded(long ownerId, boolean releaseHeld) {
        post(() -> endOwner(ownerId, releaseHeld));
    }

    @Override
    public WaitHandle acquire(long ownerId, ResourceKey key, int limit, long timeoutMs, long leaseMs,
                              Consumer<LockOutcome> done) {
        if (refusedBusy(done)) return WaitHandle.NONE;
        EtcdWaiter w = new EtcdWaiter(ownerId, key, key.kind() == LockKind.LOCK ? 1 : limit, leaseMs, timeoutMs, false,
                new Answer(done, unanswered));
        if (timeoutMs > 0) {
            w.answer.timer = timer.newTimeout(t -> post(() -> endWait(w, LockOutcome.timeout())), timeoutMs,
                    TimeUnit.MILLISECONDS);
        }
        postOrAnswer(() -> admit(w), w.answer);
        return () -> post(() -> endWait(w, LockOutcome.failed(LockError.CANCELLED)));
    }

    @Override
    public void enqueue(long ownerId, ResourceKey key, int limit, long leaseMs, Consumer<LockOutcome> done) {
        if (refusedBusy(done)) return;
        EtcdWaiter w = new EtcdWaiter(ownerId, key, key.kind() == LockKind.LOCK ? 1 : limit, leaseMs, 0, true,
                new Answer(done, unanswered));
        postOrAnswer(() -> admit(w), w.answer);
    }

    @Override
    public WaitHandle await(long ownerId, ResourceKey key, long timeoutMs, Consumer<LockOutcome> done) {
        boolean keepsState = timeoutMs > 0;
        if (keepsState && refusedBusy(done)) return WaitHandle.NONE;
        Answer a = new Answer(done, keepsState ? unanswered : null);
        if (timeoutMs > 0) {
            a.timer = timer.newTimeout(t -> post(() -> endTwoPhaseWait(ownerId, key, a, LockOutcome.timeout())),
                    timeoutMs, TimeUnit.MILLISECONDS);
        }
        postOrAnswer(() -> admitWait(ownerId, key, timeoutMs, a), a);
        return () -> post(() -> endTwoPhaseWait(ownerId, key, a, LockOutcome.failed(LockError.CANCELLED)));
    }

    @Override
    public void renew(ResourceKey key, String token, long leaseMs, Consumer<LockOutcome> done) {
        if (refusedBusy(done)) return;
        Answer a = new Answer(done, unanswered);
        postOrAnswer(() -> renewNow(key, token, leaseMs, a), a);
    }

    @Override
    public void release(ResourceKey key, String token, Consumer<LockOutcome> done) {
        Answer a = new Answer(done, null);
        postOrAnswer(() -> releaseNow(key, token, a), a);
    }

    @Override
    public void cancelWaits(long ownerId, ResourceKey key, IntConsumer done) {
        if (!post(() -> done.accept(cancelWaitsNow(ownerId, key)))) done.accept(0);
    }

    @Override
    public Set<ResourceKey> keysOf(long ownerId) {
        return onLoopAndWait(() -> {
            EtcdOwner o = owners.get(ownerId);
            Set<ResourceKey> out = new HashSet<>();
            if (o != null) o.requests.forEach(w -> out.add(w.key));
            return Set.copyOf(out);
        }, Set.of());
    }

    @Override
    public CompletableFuture<LockStats> stats() {
        CompletableFuture<LockStats> result = new CompletableFuture<>();
        boolean posted = post(() -> {
            // Every step chained so far first, so that the stats show what was called before them.
            CompletableFuture<?>[] tails = resources.values().stream().map(r -> r.tail).toArray(CompletableFuture[]::new);
            CompletableFuture.allOf(tails)
                    .thenCompose(v -> kv.get(bytes(keys.locksPrefix()),
                            GetOption.builder().withRange(rangeEnd(keys.locksPrefix())).build())
                            .orTimeout(callTimeoutMs, TimeUnit.MILLISECONDS))
                    .whenCompleteAsync((g, e) -> {
                        if (e != null) result.completeExceptionally(e);
                        else result.complete(EtcdLockStatsView.of(keys, g.getKvs(), resources, clock.nanoTime()));
                    }, loop.executor());
        });
        if (!posted) result.completeExceptionally(new IllegalStateException("the lock engine is closed"));
        return result;
    }

    /**
     * Every node's busy keys from one range read of the locks prefix, limited to
     * {@link EtcdLockInspectionView#MAX_READ_KEYS} keys, then one TTL lookup per other node's holder shown
     * (at most {@code maxItems}, concurrently), each within the call deadline. Never blocks the
     * caller: the reads run on etcd's threads and the view is built, and completes, on the engine
     * thread. When etcd cannot be read in time, it completes with what this node knows (its own
     * requests, {@link EtcdLockInspectionView#local}) rather than failing.
     */
    @Override
    public CompletableFuture<LockInspection> inspect(int maxItems) {
        CompletableFuture<LockInspection> result = new CompletableFuture<>();
        boolean posted = post(() -> kv.get(bytes(keys.locksPrefix()), GetOption.builder()
                        .withRange(rangeEnd(keys.locksPrefix()))
                        .withLimit(inspectionReadLimit).build())
                .orTimeout(callTimeoutMs, TimeUnit.MILLISECONDS)
                .whenCompleteAsync((g, e) -> {
                    if (e != null) {
                        log.debug("inspection: etcd unreadable, showing this node's own requests", e);
                        result.complete(EtcdLockInspectionView.local(resources, clock.nanoTime(), maxItems));
                        return;
                    }
                    EtcdLockInspectionView.Read read = EtcdLockInspectionView.read(keys, g.getKvs(), g.isMore(), maxItems);
                    Map<Long, CompletableFuture<Long>> ttls = new HashMap<>();
                    for (long lease : EtcdLockInspectionView.remoteHolderLeases(read, resources, maxItems)) {
                        ttls.put(lease, leases.timeToLive(lease, LeaseOption.DEFAULT)
                                .orTimeout(callTimeoutMs, TimeUnit.MILLISECONDS)
                                .thenApply(r -> r.getTTL())
                                .exceptionally(x -> -1L));
                    }
                    CompletableFuture.allOf(ttls.values().toArray(CompletableFuture[]::new)).whenCompleteAsync((v, x) -> {
                        Map<Long, Long> seconds = new HashMap<>();
                        ttls.forEach((lease, f) -> seconds.put(lease, f.join()));
                        result.complete(EtcdLockInspectionView.of(read, resources, seconds, nodeId, clock.nanoTime(), maxItems));
                    }, loop.executor());
                }, loop.executor()));
        if (!posted) result.complete(new LockInspection(List.of(), false));
        return result;
    }

    @Override
    public int keyCount() {
        return keyCount.get();
    }

    @Override
    public long busyRefusals() {
        return busyRefusals.get();
    }

    /**
     * Answers what is still waiting ({@code OWNER_CLOSED}), gives back every etcd lease of this node
     * (its waiting and held keys go with them) and stops.
     */
    @Override
    public void close() {
        if (closed) return;
        closed = true;
        Timeout s = sweep;
        if (s != null) s.cancel();
        List<Long> holderLeases = onLoopAndWait(() -> {
            List<Long> ids = new ArrayList<>();
            for (EtcdResource r : resources.values()) {
                for (EtcdWaiter w : new ArrayList<>(r.local)) {
                    if (w.state == State.HELD) ids.add(w.holderLeaseId);
                    else abandon(w, LockOutcome.failed(LockError.OWNER_CLOSED));
                }
                r.closeWatch();
            }
            return ids;
        }, List.of());
        List<CompletableFuture<?>> revokes = new ArrayList<>();
        for (long id : holderLeases) revokes.add(leases.revoke(id));
        try {
            CompletableFuture.allOf(revokes.toArray(CompletableFuture[]::new)).get(callTimeoutMs, TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            log.warn("could not give back every holder lease; those keys go when their leases run out", e);
        }
        closeQuietly(nodeLeaseListener);
        if (ownsNodeLease) nodeLease.close(); // a shared one is given back by its owner, after every engine
        loop.shutdown();
    }

    /**
     * Stops as a node that died would: no more keepalives, no watches, nothing deleted. Its keys stay
     * in etcd until their leases run out. For tests of node loss.
     */
    void stopAbruptly() {
        closed = true;
        Timeout s = sweep;
        if (s != null) s.cancel();
        closeQuietly(nodeLeaseListener);
        if (ownsNodeLease) nodeLease.abandon();
        onLoopAndWait(() -> {
            resources.values().forEach(EtcdResource::closeWatch);
            return null;
        }, null);
        loop.shutdownNow();
    }

    // ---- admission ------------------------------------------------------------------------------------------

    private void admit(EtcdWaiter w) {
        if (w.answer.isDone()) return; // timed out or cancelled before it got here
        EtcdOwner o = closed ? null : owners.get(w.ownerId);
        if (o == null) {
            w.answer.accept(LockOutcome.failed(LockError.OWNER_CLOSED));
            return;
        }
        EtcdResource r = resources.get(w.key);
        if (r == null || !r.counted) {
            if (config.maxKeys() > 0 && keyCount.get() >= config.maxKeys()) {
                w.answer.accept(LockOutcome.failed(LockError.MAX_LOCKS));
                return;
            }
            if (r == null) r = newResource(w.key);
            r.counted = true;
            keyCount.incrementAndGet();
        }
        if (w.twoPhase) {
            if (r.twoPhase.containsKey(o.id)) {
                w.answer.accept(LockOutcome.failed(LockError.ALREADY_ENQUEUED));
                return;
            }
            r.twoPhase.put(o.id, w);
        }
        w.owner = o;
        w.resource = r;
        o.requests.add(w);
        r.local.add(w);
        r.lastActivityNanos = clock.nanoTime();
        w.unique = random.nextLong();
        w.etcdKey = keys.waiterKey(w.key, nodeId, o.id, w.unique);
        chain(r, () -> writeWaiterKey(w, CREATE_ATTEMPTS));
    }

    private EtcdResource newResource(ResourceKey key) {
        EtcdResource r = new EtcdResource(key, keys.queuePrefix(key), clock.nanoTime());
        resources.put(key, r);
        return r;
    }

    /**
     * Writes the waiter key and reads the queue in one transaction, provided the meta key holds the same
     * limit (the put takes the meta off its idle lease, if it was on one); when it holds another, the
     * limit may still be taken over if nobody queues and the meta is not on an idle lease.
     */
    private CompletableFuture<Void> writeWaiterKey(EtcdWaiter w, int attemptsLeft) {
        if (w.state == State.DONE) return DONE; // answered before its key was written
        ByteSequence meta = bytes(keys.metaKey(w.key));
        ByteSequence limit = bytes(Integer.toString(w.limit));
        return call(nodeLease::id, (leaseId, err) -> {
            if (err != null) return failWrite(w, err);
            Op putWaiter = Op.put(bytes(w.etcdKey), bytes(EtcdLockKeys.value(nodeId, w.ownerId, w.leaseMs, null)),
                    PutOption.builder().withLeaseId(leaseId).build());
            return call(() -> kv.txn().If(new Cmp(meta, Cmp.Op.EQUAL, CmpTarget.value(limit)))
                    .Then(Op.put(meta, limit, PutOption.DEFAULT), putWaiter, queueGet(w.resource))
                    .Else(Op.get(meta, GetOption.DEFAULT), Op.get(bytes(w.resource.queuePrefix),
                            GetOption.builder().withRange(rangeEnd(w.resource.queuePrefix)).withCountOnly(true).build()))
                    .commit(), (txn, err2) -> {
                if (err2 != null) return failWrite(w, err2);
                if (txn.isSucceeded()) return placed(w, txn.getGetResponses().get(0).getKvs());
                List<KeyValue> metaNow = txn.getGetResponses().get(0).getKvs();
                long queued = txn.getGetResponses().get(1).getCount();
                // The limit holds while anyone queues, and while the idle key's meta waits on its GC lease.
                if (!metaNow.isEmpty() && (queued > 0 || metaNow.get(0).getLease() != 0)) {
                    abandon(w, LockOutcome.failed(LockError.LIMIT_MISMATCH));
                    return DONE;
                }
                // No meta, or one left without a GC lease by a node that died with the last holder:
                // the limit is free to set (unless someone sets it first).
                long metaRevision = metaNow.isEmpty() ? 0 : metaNow.get(0).getModRevision();
                return call(() -> kv.txn().If(new Cmp(meta, Cmp.Op.EQUAL, CmpTarget.modRevision(metaRevision)))
                        .Then(Op.put(meta, limit, PutOption.DEFAULT), putWaiter, queueGet(w.resource)).commit(),
                        (created, err3) -> {
                            if (err3 != null) return failWrite(w, err3);
                            if (created.isSucceeded()) return placed(w, created.getGetResponses().get(0).getKvs());
                            if (attemptsLeft > 1) return writeWaiterKey(w, attemptsLeft - 1);
                            abandon(w, LockOutcome.failed(LockError.FENCE_PERSISTENCE));
                            return DONE;
                        });
            });
        });
    }

    /** The write may or may not have happened: answer, and delete the key in case it did. */
    private CompletableFuture<Void> failWrite(EtcdWaiter w, Throwable err) {
        log.warn("could not queue on {}: {}", w.key, err.toString());
        w.inEtcd = true;
        abandon(w, LockOutcome.failed(LockError.FENCE_PERSISTENCE));
        return DONE;
    }

    /** The waiter key is written and the queue read with it: grant, fail, or wait. */
    private CompletableFuture<Void> placed(EtcdWaiter w, List<KeyValue> queue) {
        int position = positionOf(queue, w.etcdKey);
        w.inEtcd = true;
        if (position >= 0) w.createRevision = queue.get(position).getCreateRevision();
        if (w.state == State.DONE) return deleteKey(w); // answered while its key was being written
        if (position < 0) {
            w.inEtcd = false;
            abandon(w, LockOutcome.failed(LockError.FENCE_PERSISTENCE));
            return DONE;
        }
        if (config.maxWaiters() > 0 && position >= w.limit + config.maxWaiters()) {
            abandon(w, LockOutcome.failed(LockError.MAX_WAITERS));
            return deleteKey(w);
        }
        if (position < w.limit) return grant(w);
        if (!w.twoPhase && w.timeoutMs == 0) {
            abandon(w, LockOutcome.timeout());
            return deleteKey(w);
        }
        w.state = State.WAITING;
        if (w.twoPhase) w.answer.accept(LockOutcome.queued());
        return watchQueue(w.resource);
    }

    // ---- grants ---------------------------------------------------------------------------------------------

    /** First in line: moves the key onto a holder lease of its own, then tells the owner. */
    private CompletableFuture<Void> grant(EtcdWaiter w) {
        if (w.state == State.DONE) return DONE;
        w.state = State.GRANTING;
        String token = EtcdLockKeys.token(w.createRevision, w.unique);
        String value = EtcdLockKeys.value(nodeId, w.ownerId, w.leaseMs, token);
        return call(() -> leases.grant(LeaseSeconds.of(w.leaseMs)), (granted, err) -> {
            if (err != null) return grantFailed(w, err);
            long leaseId = granted.getID();
            return call(() -> kv.txn().If(sameKey(w))
                    .Then(Op.put(bytes(w.etcdKey), bytes(value),
                            PutOption.builder().withLeaseId(leaseId).build())).commit(), (moved, err2) -> {
                if (err2 != null || !moved.isSucceeded()) {
                    leases.revoke(leaseId);
                    if (err2 != null) return grantFailed(w, err2);
                    w.inEtcd = false; // the key went meanwhile (its node lease ran out)
                    abandon(w, LockOutcome.failed(LockError.FENCE_PERSISTENCE));
                    return DONE;
                }
                w.heldValue = value;
                if (w.state == State.DONE) { // ended while granting: the delete chained by the end revokes
                    w.holderLeaseId = leaseId;
                    return DONE;
                }
                w.state = State.HELD;
                w.token = token;
                w.holderLeaseId = leaseId;
                w.startLease(w.leaseMs, clock.nanoTime());
                w.resource.heldByToken.put(token, w);
                deliverGrant(w);
                return DONE;
            });
        });
    }

    private CompletableFuture<Void> grantFailed(EtcdWaiter w, Throwable err) {
        log.warn("could not grant {}: {}", w.key, err.toString());
        abandon(w, LockOutcome.failed(LockError.FENCE_PERSISTENCE));
        return DONE;
    }

    private void deliverGrant(EtcdWaiter w) {
        LockOutcome granted = LockOutcome.acquired(w.token, w.leaseMs);
        if (!w.twoPhase || !w.answer.isDone()) {
            w.answer.accept(granted); // an acquire, or an enqueue that found a free slot
        } else if (w.pendingWait != null) {
            Answer wait = w.pendingWait;
            w.pendingWait = null;
            w.resource.twoPhase.remove(w.ownerId, w);
            wait.accept(granted);
        }
        // else: a two-phase place granted before its wait; held under its lease until the wait comes.
    }

    // ---- the queue: listing, watching ------------------------------------------------------------------------

    private Op queueGet(EtcdResource r) {
        return Op.get(bytes(r.queuePrefix), queueOption(r));
    }

    private static GetOption queueOption(EtcdResource r) {
        return GetOption.builder().withRange(rangeEnd(r.queuePrefix)).withSortField(GetOption.SortTarget.CREATE)
                .withSortOrder(GetOption.SortOrder.ASCEND).build();
    }

    private static int positionOf(List<KeyValue> queue, String etcdKey) {
        for (int i = 0; i < queue.size(); i++) {
            if (queue.get(i).getKey().toString(UTF_8).equals(etcdKey)) return i;
        }
        return -1;
    }

    /**
     * Looks at this node's requests against the queue as etcd has it now: a waiter within the first
     * {@code limit} keys is granted (on its own step, after this one), a waiter or holder whose key is
     * gone is told so.
     */
    private void applyQueue(EtcdResource r, List<KeyValue> queue) {
        Map<String, Integer> positions = new HashMap<>();
        for (int i = 0; i < queue.size(); i++) positions.put(queue.get(i).getKey().toString(UTF_8), i);
        for (EtcdWaiter w : new ArrayList<>(r.local)) {
            if (!w.inEtcd) continue;
            Integer position = positions.get(w.etcdKey);
            if (w.state == State.WAITING) {
                if (position == null) {
                    w.inEtcd = false;
                    abandon(w, LockOutcome.failed(LockError.FENCE_PERSISTENCE));
                } else if (position < w.limit) {
                    w.state = State.GRANTING;
                    chain(r, () -> grant(w));
                }
            } else if (w.state == State.HELD && position == null) {
                lostInEtcd(w);
            }
        }
    }

    private CompletableFuture<Void> recheck(EtcdResource r) {
        return call(() -> kv.get(bytes(r.queuePrefix), queueOption(r)), (g, err) -> {
            if (err != null) {
                log.warn("could not read the queue of {}: {}", r.key, err.toString());
                // No watch is left to call again: read again later, until etcd answers or nobody waits.
                CompletableFuture.delayedExecutor(StaleKeyCleaner.PASS_INTERVAL_MS, TimeUnit.MILLISECONDS,
                        loop.executor()).execute(() -> {
                            if (!closed && r.watcher == null && r.hasWaiting()) chain(r, () -> recheck(r));
                        });
                return DONE;
            }
            applyQueue(r, g.getKvs());
            return r.local.isEmpty() ? DONE : watchFrom(r, g.getHeader().getRevision() + 1);
        });
    }

    private CompletableFuture<Void> watchQueue(EtcdResource r) {
        if (r.watcher != null) return DONE;
        // The revision the queue was read at is not known here: read it again, with the watch from there.
        return recheck(r);
    }

    private CompletableFuture<Void> watchFrom(EtcdResource r, long revision) {
        if (r.watcher != null || closed) return DONE;
        Watch.Watcher[] self = new Watch.Watcher[1];
        self[0] = watches.watch(bytes(r.queuePrefix),
                WatchOption.builder().withRange(rangeEnd(r.queuePrefix)).withRevision(revision).withNoPut(true).build(),
                Watch.listener(resp -> post(() -> onQueueEvents(r, self[0], resp)),
                        err -> post(() -> onWatchError(r, self[0], err))));
        r.watcher = self[0];
        return DONE;
    }

    private void onQueueEvents(EtcdResource r, Watch.Watcher from, WatchResponse resp) {
        if (r.watcher != from) return;
        boolean deleted = false;
        for (WatchEvent e : resp.getEvents()) {
            if (e.getEventType() != WatchEvent.EventType.DELETE) continue;
            deleted = true;
            String gone = e.getKeyValue().getKey().toString(UTF_8);
            for (EtcdWaiter w : new ArrayList<>(r.local)) {
                if (w.state == State.HELD && w.inEtcd && gone.equals(w.etcdKey)) lostInEtcd(w);
            }
        }
        if (deleted && r.hasWaiting()) chain(r, () -> recheck(r));
    }

    private void onWatchError(EtcdResource r, Watch.Watcher from, Throwable err) {
        if (r.watcher != from) return;
        log.warn("the watch on {} failed: {}", r.key, err.toString());
        etcdCallFailed();
        r.closeWatch();
        if (!r.local.isEmpty()) chain(r, () -> recheck(r));
    }

    // ---- ends of requests -------------------------------------------------------------------------------------

    /** A single-phase acquire's timeout or cancel. */
    private void endWait(EtcdWaiter w, LockOutcome outcome) {
        if (w.answer.isDone() || w.state == State.HELD) return;
        abandon(w, outcome);
    }

    private void admitWait(long ownerId, ResourceKey key, long timeoutMs, Answer a) {
        if (!owners.containsKey(ownerId)) {
            a.accept(LockOutcome.failed(LockError.OWNER_CLOSED));
            return;
        }
        EtcdResource r = resources.get(key);
        EtcdWaiter w = r == null ? null : r.twoPhase.get(ownerId);
        if (w == null || w.state == State.DONE) {
            a.accept(LockOutcome.failed(LockError.NOT_ENQUEUED));
            return;
        }
        if (w.pendingWait != null) {
            a.accept(LockOutcome.failed(LockError.ALREADY_WAITING));
            return;
        }
        if (!w.answer.isDone()) {
            // The enqueue has not been answered yet: the wait takes effect after it, as called.
            chain(r, () -> {
                admitWait(ownerId, key, timeoutMs, a);
                return DONE;
            });
            return;
        }
        if (a.isDone()) return;
        if (a.endedEarly != null) { // its timeout or cancel came while it waited for the enqueue
            abandon(w, null);
            a.accept(a.endedEarly);
            return;
        }
        if (w.state == State.HELD) {
            r.twoPhase.remove(ownerId, w);
            if (w.expired(clock.nanoTime())) {
                takeBack(w);
                a.accept(LockOutcome.failed(LockError.LEASE_EXPIRED));
                return;
            }
            // The lease restarts at the enqueue's length: in etcd too, before the owner hears it holds.
            chain(r, () -> moveLease(w, w.leaseMs, a, LockOutcome.acquired(w.token, w.leaseMs)));
            return;
        }
        if (timeoutMs == 0) {
            abandon(w, null);
            a.accept(LockOutcome.timeout());
            return;
        }
        w.pendingWait = a;
    }

    private void endTwoPhaseWait(long ownerId, ResourceKey key, Answer a, LockOutcome outcome) {
        if (a.isDone()) return;
        EtcdResource r = resources.get(key);
        EtcdWaiter w = r == null ? null : r.twoPhase.get(ownerId);
        if (w == null || w.pendingWait != a) {
            a.endedEarly = outcome; // seen when the wait is admitted behind its enqueue
            return;
        }
        w.pendingWait = null;
        abandon(w, null);
        a.accept(outcome);
    }

    private int cancelWaitsNow(long ownerId, ResourceKey key) {
        EtcdOwner o = owners.get(ownerId);
        EtcdResource r = resources.get(key);
        if (o == null || r == null) return 0;
        int n = 0;
        for (EtcdWaiter w : new ArrayList<>(r.local)) {
            if (w.owner != o || w.state == State.HELD || w.state == State.DONE) continue;
            if (!w.twoPhase && !w.answer.isDone()) {
                abandon(w, LockOutcome.failed(LockError.CANCELLED));
                n++;
            } else if (w.twoPhase && w.pendingWait != null) {
                Answer wait = w.pendingWait;
                w.pendingWait = null;
                abandon(w, null);
                wait.accept(LockOutcome.failed(LockError.CANCELLED));
                n++;
            }
        }
        return n;
    }

    private void endOwner(long ownerId, boolean releaseHeld) {
        EtcdOwner o = owners.remove(ownerId);
        if (o == null) return;
        for (EtcdWaiter w : new ArrayList<>(o.requests)) {
            if (w.state == State.HELD) {
                w.resource.twoPhase.remove(ownerId, w);
                if (releaseHeld) {
                    takeBack(w);
                } else {
                    o.requests.remove(w); // held on until its lease runs out, by nobody this node still knows
                }
            } else {
                abandon(w, LockOutcome.failed(LockError.OWNER_CLOSED));
            }
        }
    }

    /** Ends a request that holds nothing: gone from this node, its key deleted, answered if {@code outcome}. */
    private void abandon(EtcdWaiter w, LockOutcome outcome) {
        boolean wasLive = w.state != State.DONE;
        w.state = State.DONE;
        forget(w);
        if (wasLive && w.inEtcd) chain(w.resource, () -> deleteKey(w)); // after a grant in flight, if any
        if (outcome != null) {
            w.answer.accept(outcome);
            if (w.pendingWait != null) {
                Answer wait = w.pendingWait;
                w.pendingWait = null;
                wait.accept(outcome);
            }
        }
    }

    /** A held slot given back (release, owner end, expiry): gone here, key deleted in etcd. */
    private void takeBack(EtcdWaiter w) {
        if (w.state == State.DONE) return;
        w.state = State.DONE;
        forget(w);
        chain(w.resource, () -> deleteKey(w));
    }

    /** A held key that etcd no longer has: the holder hears it lost it. */
    private void lostInEtcd(EtcdWaiter w) {
        w.state = State.DONE;
        w.inEtcd = false;
        forget(w);
        if (w.holderLeaseId != 0) leases.revoke(w.holderLeaseId);
        log.warn("a held key of {} vanished from etcd; reporting the lock lost", w.key);
        lost.lockLost(w.ownerId, w.key, w.token);
    }

    private void forget(EtcdWaiter w) {
        EtcdResource r = w.resource;
        if (r == null) return;
        r.local.remove(w);
        if (w.token != null) r.heldByToken.remove(w.token, w);
        r.twoPhase.remove(w.ownerId, w);
        if (w.owner != null) w.owner.requests.remove(w);
        r.lastActivityNanos = clock.nanoTime();
        if (r.local.isEmpty()) r.closeWatch();
    }

    /**
     * Deletes the key (if it is still this request's), then looks at the queue as the delete left it;
     * a queue left empty starts its limit's idle time.
     */
    private CompletableFuture<Void> deleteKey(EtcdWaiter w) {
        w.inEtcd = false;
        EtcdResource r = w.resource;
        Cmp[] same = w.createRevision <= 0 ? new Cmp[0]
                : w.heldValue != null ? heldHere(w) : new Cmp[] {sameKey(w)};
        return call(() -> kv.txn().If(same).Then(Op.delete(bytes(w.etcdKey), DeleteOption.DEFAULT), queueGet(r), metaGet(r))
                .Else(queueGet(r), metaGet(r)).commit(), (txn, err) -> {
            if (w.holderLeaseId != 0) leases.revoke(w.holderLeaseId);
            if (err != null) {
                // A waiting key hangs on the node lease, which never runs out while the node lives.
                log.warn("could not delete a key of {}, retrying until it goes: {}", w.key, err.toString());
                staleKeys.deleteUntilGone(w.etcdKey, w.createRevision, StaleKeyCleaner.FIRST_RETRY_MS);
                return DONE;
            }
            List<GetResponse> gets = txn.getGetResponses();
            applyQueue(r, gets.get(0).getKvs());
            return rememberIdleLimit(gets.get(0).getKvs(), gets.get(1).getKvs());
        });
    }

    private Op metaGet(EtcdResource r) {
        return Op.get(bytes(keys.metaKey(r.key)), GetOption.DEFAULT);
    }

    /**
     * The queue is empty: the meta key (the limit) moves onto the idle lease, so that every node keeps
     * answering {@code LIMIT_MISMATCH} to another limit until the GC idle time has passed, as the
     * in-memory engine does until it collects the key. Only if the meta has not been written since the
     * queue was read: each waiter's write puts the meta again (off any lease), so a changed mod revision
     * means someone queues (or took the limit over) meanwhile. If etcd cannot be reached the meta stays
     * off a lease, and the next request may set another limit, as a key whose node died would.
     */
    private CompletableFuture<Void> rememberIdleLimit(List<KeyValue> queue, List<KeyValue> meta) {
        if (!queue.isEmpty() || meta.isEmpty() || meta.get(0).getLease() != 0) return DONE;
        KeyValue m = meta.get(0);
        return call(idleLimits::id, (leaseId, err) -> {
            if (err != null) {
                log.warn("could not keep the idle limit of {}: {}", m.getKey().toString(UTF_8), err.toString());
                return DONE;
            }
            return call(() -> kv.txn().If(new Cmp(m.getKey(), Cmp.Op.EQUAL, CmpTarget.modRevision(m.getModRevision())))
                    .Then(Op.put(m.getKey(), m.getValue(), PutOption.builder().withLeaseId(leaseId).build())).commit(),
                    (moved, err2) -> DONE);
        });
    }

    private Cmp sameKey(EtcdWaiter w) {
        return new Cmp(bytes(w.etcdKey), Cmp.Op.EQUAL, CmpTarget.createRevision(w.createRevision));
    }

    /** The held key is still as this node left it: not adopted by another node since. */
    private Cmp[] heldHere(EtcdWaiter w) {
        return new Cmp[] {sameKey(w), new Cmp(bytes(w.etcdKey), Cmp.Op.EQUAL, CmpTarget.value(bytes(w.heldValue)))};
    }

    // ---- renew and release --------------------------------------------------------------------------------------

    private void renewNow(ResourceKey key, String token, long leaseMs, Answer a) {
        EtcdResource r = resourceFor(key);
        EtcdWaiter w = r.heldByToken.get(token);
        if (w != null && w.state == State.HELD) {
            if (w.expired(clock.nanoTime())) {
                takeBack(w);
                a.accept(LockOutcome.failed(LockError.LEASE_EXPIRED));
                return;
            }
            chain(r, () -> moveLease(w, leaseMs, a, LockOutcome.renewed(leaseMs)));
            return;
        }
        chain(r, () -> findHeld(r, token, a, kvFound -> renewElsewhere(kvFound, token, leaseMs, a)));
    }

    /**
     * Moves a held key onto a fresh lease of {@code leaseMs} (same key, same create revision, same
     * token), then restarts the local lease and answers {@code success}. If etcd cannot be reached the
     * lease cannot be kept: the slot is taken back and reported lost.
     */
    private CompletableFuture<Void> moveLease(EtcdWaiter w, long leaseMs, Answer a, LockOutcome success) {
        if (w.state != State.HELD) {
            a.accept(LockOutcome.failed(LockError.LEASE_EXPIRED));
            return DONE;
        }
        return call(() -> leases.grant(LeaseSeconds.of(leaseMs)), (granted, err) -> {
            if (err != null) return leaseNotKept(w, a, err);
            long leaseId = granted.getID();
            String value = EtcdLockKeys.value(nodeId, w.ownerId, leaseMs, w.token);
            return call(() -> kv.txn().If(heldHere(w))
                    .Then(Op.put(bytes(w.etcdKey), bytes(value),
                            PutOption.builder().withLeaseId(leaseId).build())).commit(), (moved, err2) -> {
                if (err2 != null) {
                    leases.revoke(leaseId);
                    return leaseNotKept(w, a, err2);
                }
                if (!moved.isSucceeded() || w.state != State.HELD) {
                    leases.revoke(leaseId);
                    if (w.state == State.HELD) {
                        w.state = State.DONE;
                        w.inEtcd = false;
                        forget(w);
                    }
                    a.accept(LockOutcome.failed(LockError.LEASE_EXPIRED));
                    return DONE;
                }
                leases.revoke(w.holderLeaseId);
                w.holderLeaseId = leaseId;
                w.heldValue = value;
                w.startLease(leaseMs, clock.nanoTime());
                a.accept(success);
                return DONE;
            });
        });
    }

    private CompletableFuture<Void> leaseNotKept(EtcdWaiter w, Answer a, Throwable err) {
        log.warn("could not renew a lease on {}: {}", w.key, err.toString());
        if (w.state == State.HELD) {
            takeBack(w);
            lost.lockLost(w.ownerId, w.key, w.token);
        }
        a.accept(LockOutcome.failed(LockError.FENCE_PERSISTENCE));
        return DONE;
    }

    /** A token another node granted (or nobody did): found in etcd by its fence and unique half. */
    private CompletableFuture<Void> findHeld(EtcdResource r, String token, Answer a,
                                             java.util.function.Function<KeyValue, CompletableFuture<Void>> then) {
        long fence = FenceGenerator.fenceOf(token);
        if (fence <= 0) {
            a.accept(LockOutcome.failed(LockError.NOT_HELD));
            return DONE;
        }
        return call(() -> kv.get(bytes(r.queuePrefix), queueOption(r)), (g, err) -> {
            if (err != null) {
                a.accept(LockOutcome.failed(LockError.FENCE_PERSISTENCE));
                return DONE;
            }
            for (KeyValue k : g.getKvs()) {
                if (k.getCreateRevision() == fence && EtcdLockKeys.hasUnique(k.getKey().toString(UTF_8), token)) {
                    return then.apply(k);
                }
            }
            a.accept(LockOutcome.failed(LockError.NOT_HELD));
            return DONE;
        });
    }

    private CompletableFuture<Void> renewElsewhere(KeyValue k, String token, long leaseMs, Answer a) {
        ByteSequence key = k.getKey();
        return call(() -> leases.grant(LeaseSeconds.of(leaseMs)), (granted, err) -> {
            if (err != null) {
                a.accept(LockOutcome.failed(LockError.FENCE_PERSISTENCE));
                return DONE;
            }
            // The value stays as the holder's node wrote it (it names the holder, whom a renew from here
            // does not change, and that node compares it before it touches the key).
            return call(() -> kv.txn().If(new Cmp(key, Cmp.Op.EQUAL, CmpTarget.modRevision(k.getModRevision())))
                    .Then(Op.put(key, k.getValue(),
                            PutOption.builder().withLeaseId(granted.getID()).build())).commit(), (moved, err2) -> {
                if (err2 != null || !moved.isSucceeded()) {
                    leases.revoke(granted.getID());
                    a.accept(LockOutcome.failed(err2 != null ? LockError.FENCE_PERSISTENCE : LockError.NOT_HELD));
                    return DONE;
                }
                if (k.getLease() != 0) leases.revoke(k.getLease());
                a.accept(LockOutcome.renewed(leaseMs));
                return DONE;
            });
        });
    }

    private void releaseNow(ResourceKey key, String token, Answer a) {
        EtcdResource r = resourceFor(key);
        EtcdWaiter w = r.heldByToken.get(token);
        if (w != null && w.state == State.HELD) {
            w.state = State.DONE;
            forget(w);
            // Answered after the delete, and after the next waiters' grants are chained behind it.
            chain(r, () -> deleteKey(w).whenComplete((v, e) -> a.accept(LockOutcome.released())));
            return;
        }
        chain(r, () -> findHeld(r, token, a, k -> call(() -> kv.txn()
                .If(new Cmp(k.getKey(), Cmp.Op.EQUAL, CmpTarget.createRevision(k.getCreateRevision())))
                .Then(Op.delete(k.getKey(), DeleteOption.DEFAULT), queueGet(r), metaGet(r)).commit(), (txn, err) -> {
            if (err != null) {
                a.accept(LockOutcome.failed(LockError.FENCE_PERSISTENCE));
                return DONE;
            }
            if (!txn.isSucceeded()) {
                a.accept(LockOutcome.failed(LockError.NOT_HELD));
                return DONE;
            }
            if (k.getLease() != 0) leases.revoke(k.getLease());
            List<KeyValue> queue = txn.getGetResponses().get(0).getKvs();
            applyQueue(r, queue);
            return rememberIdleLimit(queue, txn.getGetResponses().get(1).getKvs())
                    .whenComplete((v, e) -> a.accept(LockOutcome.released()));
        })));
    }

    /** The key's resource; one made only for a release or renew does not count as a key. */
    private EtcdResource resourceFor(ResourceKey key) {
        EtcdResource r = resources.get(key);
        return r != null ? r : newResource(key);
    }

    // ---- adoption: a session resumed here from another node keeps its held slots ---------------------------------

    /**
     * Takes over, for {@code toOwner} on this node, the slots of {@code keys} that etcd still grants
     * to owner {@code fromOwner} of node {@code fromNode} (a session resumed here from a node that
     * died or handed it over): same key, same create revision, same token, moved in one transaction
     * (compared on the key's mod revision, so that of two nodes adopting at once, or the old node
     * renewing meanwhile, only one wins) onto a lease of this node as long as the one it had left.
     * Its lease here is that remaining time less the second etcd's copy always has in hand. Waiting
     * keys are not taken over: they hang on the old node's lease and go with it.
     *
     * @return completes on the engine thread with the keys on which at least one slot was taken
     *         over; a key whose slot is gone (the lease ran out, another owner holds it, etcd
     *         failed) is absent. Completes empty when the owner is unknown here.
     */
    public CompletableFuture<Set<ResourceKey>> adoptHeld(String fromNode, long fromOwner, long toOwner,
                                                        java.util.Collection<ResourceKey> keys) {
        CompletableFuture<Set<ResourceKey>> result = new CompletableFuture<>();
        if (keys.isEmpty() || !post(() -> adoptNow(fromNode, fromOwner, toOwner, List.copyOf(keys), result))) {
            result.complete(Set.of());
        }
        return result;
    }

    private void adoptNow(String fromNode, long fromOwner, long toOwner, List<ResourceKey> keys,
                          CompletableFuture<Set<ResourceKey>> result) {
        if (closed || !owners.containsKey(toOwner)) { // an owner that ended takes nothing over
            result.complete(Set.of());
            return;
        }
        Set<ResourceKey> adopted = new HashSet<>();
        AtomicInteger left = new AtomicInteger(keys.size());
        for (ResourceKey key : keys) {
            EtcdResource r = resources.get(key);
            if (r == null || !r.counted) {
                if (config.maxKeys() > 0 && keyCount.get() >= config.maxKeys()) {
                    if (left.decrementAndGet() == 0) result.complete(Set.copyOf(adopted));
                    continue;
                }
                if (r == null) r = newResource(key);
                r.counted = true;
                keyCount.incrementAndGet();
            }
            EtcdResource resource = r;
            chain(r, () -> call(() -> kv.get(bytes(resource.queuePrefix), queueOption(resource)), (g, err) -> {
                List<CompletableFuture<Boolean>> moves = new ArrayList<>();
                if (err != null) {
                    log.warn("could not read the queue of {} to adopt its slot: {}", key, err.toString());
                } else {
                    for (KeyValue k : g.getKvs()) {
                        EtcdLockKeys.Holder h = EtcdLockKeys.parseValue(k.getValue());
                        if (h != null && h.token() != null && k.getLease() != 0 && h.node().equals(fromNode)
                                && h.owner() == fromOwner && FenceGenerator.fenceOf(h.token()) == k.getCreateRevision()) {
                            moves.add(takeOver(resource, k, h, toOwner));
                        }
                    }
                }
                return CompletableFuture.allOf(moves.toArray(CompletableFuture[]::new)).handleAsync((v, e) -> {
                    if (moves.stream().anyMatch(m -> m.getNow(false))) adopted.add(key);
                    if (left.decrementAndGet() == 0) result.complete(Set.copyOf(adopted));
                    return (Void) null;
                }, loop.executor());
            }));
        }
    }

    /** Moves one held key onto a lease of this node, for {@code toOwner}; true when it did. */
    private CompletableFuture<Boolean> takeOver(EtcdResource r, KeyValue k, EtcdLockKeys.Holder h, long toOwner) {
        CompletableFuture<Boolean> out = new CompletableFuture<>();
        String etcdKey = k.getKey().toString(UTF_8);
        String value = EtcdLockKeys.value(nodeId, toOwner, h.leaseMs(), h.token());
        call(() -> leases.timeToLive(k.getLease(), io.etcd.jetcd.options.LeaseOption.DEFAULT), (ttl, err) -> {
            // etcd's copy outlives the holder's lease by a second (LeaseSeconds): what is left beyond it is the lease.
            long seconds = err != null ? 0 : ttl.getTTL();
            if (seconds <= 1) {
                out.complete(false);
                return DONE;
            }
            return call(() -> leases.grant(seconds), (granted, err2) -> {
                if (err2 != null) {
                    out.complete(false);
                    return DONE;
                }
                long leaseId = granted.getID();
                return call(() -> kv.txn().If(new Cmp(k.getKey(), Cmp.Op.EQUAL, CmpTarget.modRevision(k.getModRevision())))
                        .Then(Op.put(k.getKey(), bytes(value), PutOption.builder().withLeaseId(leaseId).build())).commit(),
                        (moved, err3) -> {
                    EtcdOwner o = owners.get(toOwner);
                    if (err3 != null || !moved.isSucceeded()) {
                        leases.revoke(leaseId);
                        out.complete(false);
                        return DONE;
                    }
                    leases.revoke(k.getLease()); // the old node's lease holds nothing any more
                    EtcdWaiter w = new EtcdWaiter(toOwner, r.key, 1, h.leaseMs(), 0, false, new Answer(x -> { }, null));
                    w.answer.accept(LockOutcome.acquired(h.token(), h.leaseMs())); // answered on the node it was granted on
                    w.resource = r;
                    w.etcdKey = etcdKey;
                    w.createRevision = k.getCreateRevision();
                    w.token = h.token();
                    w.holderLeaseId = leaseId;
                    w.heldValue = value;
                    w.inEtcd = true;
                    w.state = State.HELD;
                    w.startLease((seconds - 1) * 1000, clock.nanoTime());
                    r.local.add(w);
                    r.heldByToken.put(w.token, w);
                    r.lastActivityNanos = clock.nanoTime();
                    if (o == null) { // the owner ended meanwhile: what it held goes as its end would have let it
                        takeBack(w);
                        out.complete(false);
                        return DONE;
                    }
                    w.owner = o;
                    o.requests.add(w);
                    out.complete(true);
                    return DONE;
                });
            });
        });
        return out;
    }

    // ---- housekeeping -------------------------------------------------------------------------------------------

    private void scheduleSweep() {
        if (closed) return;
        try {
            sweep = timer.newTimeout(t -> {
                // Waits for the engine thread, so that whoever moved time sees the expiries it caused.
                onLoopAndWait(() -> {
                    sweepNow();
                    return null;
                }, null);
                scheduleSweep();
            }, config.sweepInterval().toNanos(), TimeUnit.NANOSECONDS);
        } catch (IllegalStateException stopped) {
            // the node's timer is stopped: so is housekeeping
        }
    }

    private void sweepNow() {
        long now = clock.nanoTime();
        for (EtcdResource r : new ArrayList<>(resources.values())) {
            for (EtcdWaiter w : new ArrayList<>(r.local)) {
                if (w.expired(now)) {
                    takeBack(w);
                    lost.lockLost(w.ownerId, w.key, w.token);
                }
            }
            if (r.counted && r.local.isEmpty() && r.pendingSteps == 0
                    && now - r.lastActivityNanos >= config.gcMaxIdle().toNanos()) {
                resources.remove(r.key);
                keyCount.decrementAndGet();
            }
        }
    }

    private static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception e) {
            log.debug("closing {}", c, e);
        }
    }

    private void nodeLeaseLost(long leaseId) {
        // Every waiting key hung on it and is gone: the waiters hear it now rather than at their deadline.
        for (EtcdResource r : new ArrayList<>(resources.values())) {
            for (EtcdWaiter w : new ArrayList<>(r.local)) {
                if (w.state == State.WAITING) {
                    w.inEtcd = false;
                    abandon(w, LockOutcome.failed(LockError.FENCE_PERSISTENCE));
                }
            }
        }
    }

    // ---- the engine thread and etcd calls ------------------------------------------------------------------------

    /** Some write or delete may have been left in etcd unanswered: look for keys nobody owns for a while. */
    private void etcdCallFailed() {
        staleKeys.noteFailure();
    }

    /** The keys of every request of this node that is not over, including those still being written. */
    private Set<String> liveKeys() {
        Set<String> live = new HashSet<>();
        for (EtcdResource r : resources.values()) {
            for (EtcdWaiter w : r.local) {
                if (w.state != State.DONE && w.etcdKey != null) live.add(w.etcdKey);
            }
        }
        return live;
    }

    private boolean refusedBusy(Consumer<LockOutcome> done) {
        if (unanswered.incrementAndGet() > config.mailboxSize() * MAILBOXES) {
            unanswered.decrementAndGet();
            busyRefusals.incrementAndGet();
            done.accept(LockOutcome.failed(LockError.BUSY));
            return true;
        }
        return false;
    }

    private boolean post(Runnable task) {
        return loop.post(task);
    }

    private void postOrAnswer(Runnable task, Answer a) {
        if (closed || !post(task)) a.accept(LockOutcome.failed(LockError.OWNER_CLOSED));
    }

    private <T> T onLoopAndWait(Callable<T> task, T ifClosed) {
        return loop.runAndWait(task, ifClosed);
    }

    private void chain(EtcdResource r, Supplier<CompletableFuture<Void>> step) {
        loop.chain(r, step, this::dropIfUnused);
    }

    /** A resource made only for a release or renew goes once its steps are done. */
    private void dropIfUnused(EtcdResource r) {
        if (!r.counted && r.local.isEmpty() && r.pendingSteps == 0 && resources.get(r.key) == r) resources.remove(r.key);
    }

    private <T> CompletableFuture<Void> call(Supplier<CompletableFuture<T>> request,
                                             BiFunction<T, Throwable, CompletableFuture<Void>> then) {
        return loop.call(request, then);
    }
}
