package dev.switchboard.cluster.etcd;

import dev.switchboard.core.lock.ResourceKey;

/**
 * One acquire or enqueue of this node: its waiter key in etcd and what became of it. Engine thread
 * only, except the final fields.
 */
final class EtcdWaiter {
    enum State {
        /** Its key is being written. */
        ADMITTING,
        /** Its key is queued behind at least {@code limit} others. */
        WAITING,
        /** First in line: its key is being moved onto a holder lease. */
        GRANTING,
        HELD,
        /** Over for this node: answered, released, taken back or lost. */
        DONE
    }

    final long ownerId;
    final ResourceKey key;
    final int limit;
    final long leaseMs;
    final long timeoutMs;
    final boolean twoPhase;
    /** The acquire's answer, or the enqueue's. */
    final Answer answer;

    EtcdOwner owner;
    EtcdResource resource;
    State state = State.ADMITTING;
    String etcdKey;
    long unique;
    /** The key's create revision once written: the fence of its grant. */
    long createRevision;
    /** Its key may be in etcd and nobody has been asked to delete it yet. */
    boolean inEtcd;
    long holderLeaseId;
    /**
     * The value this node last wrote on its key while holding it (null before the grant): its
     * deletes and lease moves compare it, so that a key another node has adopted since (which
     * rewrote the value) is never touched from here.
     */
    String heldValue;
    String token;
    long leaseStartNanos;
    long leaseNanos;
    /** Two-phase: the pending wait, if any. */
    Answer pendingWait;

    EtcdWaiter(long ownerId, ResourceKey key, int limit, long leaseMs, long timeoutMs, boolean twoPhase, Answer answer) {
        this.ownerId = ownerId;
        this.key = key;
        this.limit = limit;
        this.leaseMs = leaseMs;
        this.timeoutMs = timeoutMs;
        this.twoPhase = twoPhase;
        this.answer = answer;
    }

    void startLease(long leaseMs, long nowNanos) {
        leaseStartNanos = nowNanos;
        leaseNanos = leaseMs >= Long.MAX_VALUE / 1_000_000L ? Long.MAX_VALUE : leaseMs * 1_000_000L;
    }

    boolean expired(long nowNanos) {
        return state == State.HELD && nowNanos - leaseStartNanos >= leaseNanos;
    }

    long remainingMs(long nowNanos) {
        return Math.max(0, (leaseNanos - (nowNanos - leaseStartNanos)) / 1_000_000L);
    }
}
