package dev.switchboard.cluster.etcd;

import static dev.switchboard.cluster.etcd.EtcdLockKeys.bytes;
import static dev.switchboard.cluster.etcd.EtcdLockKeys.rangeEnd;
import static java.nio.charset.StandardCharsets.UTF_8;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.DeleteOption;
import io.etcd.jetcd.options.GetOption;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Removes this node's queue keys that no live request of the engine owns any more. Waiting keys hang
 * on the node lease, which the node keeps alive for as long as it runs, so such a key would never
 * go by itself, and a key at the head of a queue reads as held on every node. Two ways leave one:
 * a delete that failed while etcd was unreachable, and a write the engine gave up on (deadline
 * missed) that etcd applied after all (the client's own retries, or a request already on its way).
 *
 * <p>So: a delete of an unwanted key is retried with backoff until it succeeds or the engine closes;
 * and after any etcd call of the engine failed, passes read this node's keys (their names carry the
 * node id) and delete every one no live request owns, one pass a second for as long as a failure is
 * recent. With etcd healthy nothing is read. Engine thread only.
 */
final class StaleKeyCleaner {
    private static final Logger log = LoggerFactory.getLogger(StaleKeyCleaner.class);
    /** Between passes while a failure is recent. */
    static final long PASS_INTERVAL_MS = 1_000;
    /** Passes go on this long after the last failure (plus two call deadlines): late writes land well within it. */
    static final long QUIET_AFTER_FAILURE_MS = 30_000;
    /** The first retry of a failed delete; each next one waits twice as long, up to {@link #MAX_RETRY_MS}. */
    static final long FIRST_RETRY_MS = 100;
    private static final long MAX_RETRY_MS = 5_000;

    private final KV kv;
    private final EngineLoop loop;
    private final String locksPrefix;
    private final String nodeId;
    private final String nodePart;
    private final Supplier<Set<String>> liveKeys;
    private final BooleanSupplier closed;
    private final long quietNanos;
    private long lastFailureNanos;
    private boolean passScheduled;

    /**
     * @param nodeId   this node's id (its keys' names carry it encoded, their values as it is)
     * @param liveKeys the keys of every request of this node that is not over (waiting, granting, held,
     *                 or still waiting for its write's answer)
     */
    StaleKeyCleaner(KV kv, EngineLoop loop, String locksPrefix, String nodeId, long callTimeoutMs,
                    Supplier<Set<String>> liveKeys, BooleanSupplier closed) {
        this.kv = kv;
        this.loop = loop;
        this.locksPrefix = locksPrefix;
        this.nodeId = nodeId;
        this.nodePart = EtcdLockKeys.encode(nodeId) + "-";
        this.liveKeys = liveKeys;
        this.closed = closed;
        this.quietNanos = TimeUnit.MILLISECONDS.toNanos(QUIET_AFTER_FAILURE_MS + 2 * callTimeoutMs);
    }

    /** An etcd call failed or missed its deadline: passes run until etcd has been quiet for a while. */
    void noteFailure() {
        lastFailureNanos = System.nanoTime();
        schedulePass();
    }

    /** Deletes a key this node no longer wants (if it still has that create revision; 0: whatever it has). */
    void deleteUntilGone(String key, long createRevision, long delayMs) {
        if (closed.getAsBoolean()) return;
        CompletableFuture.delayedExecutor(delayMs, TimeUnit.MILLISECONDS, loop.executor())
                .execute(() -> deleteNow(key, createRevision, delayMs));
    }

    private void deleteNow(String key, long createRevision, long lastDelayMs) {
        if (closed.getAsBoolean()) return;
        ByteSequence k = bytes(key);
        Cmp[] same = createRevision > 0
                ? new Cmp[] {new Cmp(k, Cmp.Op.EQUAL, CmpTarget.createRevision(createRevision))} : new Cmp[0];
        loop.call(() -> kv.txn().If(same).Then(Op.delete(k, DeleteOption.DEFAULT)).commit(), (txn, err) -> {
            if (err != null) {
                long next = Math.min(MAX_RETRY_MS, Math.max(FIRST_RETRY_MS, lastDelayMs * 2));
                log.debug("could not delete {} yet, again in {} ms: {}", key, next, err.toString());
                deleteUntilGone(key, createRevision, next);
            }
            return EngineLoop.DONE;
        });
    }

    private void schedulePass() {
        if (passScheduled || closed.getAsBoolean()) return;
        passScheduled = true;
        CompletableFuture.delayedExecutor(PASS_INTERVAL_MS, TimeUnit.MILLISECONDS, loop.executor()).execute(() -> {
            passScheduled = false;
            if (closed.getAsBoolean()) return;
            pass();
            if (System.nanoTime() - lastFailureNanos < quietNanos) schedulePass();
        });
    }

    /** Reads this node's keys under the locks prefix and deletes those no live request owns. */
    private void pass() {
        loop.call(() -> kv.get(bytes(locksPrefix), GetOption.builder().withRange(rangeEnd(locksPrefix)).build()),
                (got, err) -> {
            if (err != null) return EngineLoop.DONE; // counted as a failure: the passes go on
            // Read after the get answered: a request admitted meanwhile is live, a key of one that
            // ended meanwhile is not wanted, and key names are never reused.
            Set<String> live = liveKeys.get();
            for (KeyValue kvp : got.getKvs()) {
                String key = kvp.getKey().toString(UTF_8);
                if (isOwnQueueKey(key) && !live.contains(key) && !adoptedElsewhere(kvp)) {
                    log.info("deleting {}: a queue key of this node that no request owns", key);
                    deleteNow(key, kvp.getCreateRevision(), 0);
                }
            }
            return EngineLoop.DONE;
        });
    }

    /**
     * A held key named after this node whose value names another: a session resumed on that node
     * took the slot over ({@link EtcdLockEngine#adoptHeld}). It is that node's now, whatever its name.
     */
    private boolean adoptedElsewhere(KeyValue kvp) {
        EtcdLockKeys.Holder h = EtcdLockKeys.parseValue(kvp.getValue());
        return h != null && !h.node().equals(nodeId);
    }

    private boolean isOwnQueueKey(String key) {
        int q = key.lastIndexOf("/q/");
        if (q < 0 || key.indexOf('/', q + 3) >= 0) return false;
        String last = key.substring(q + 3);
        if (!last.startsWith(nodePart)) return false;
        // <owner>-<16 hex>: so that node "n1" never takes node "n1-5"'s keys for its own.
        String rest = last.substring(nodePart.length());
        int dash = rest.lastIndexOf('-');
        int ownerStart = rest.startsWith("-") ? 1 : 0; // owner ids are numbers, in principle signed
        if (dash <= ownerStart || rest.length() - dash - 1 != 16) return false;
        for (int i = ownerStart; i < dash; i++) if (!Character.isDigit(rest.charAt(i))) return false;
        for (int i = dash + 1; i < rest.length(); i++) if (Character.digit(rest.charAt(i), 16) < 0) return false;
        return true;
    }
}
