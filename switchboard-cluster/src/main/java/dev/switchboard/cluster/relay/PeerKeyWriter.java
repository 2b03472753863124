package dev.switchboard.cluster.relay;

import dev.switchboard.cluster.EtcdCalls;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.kv.PutResponse;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.DeleteOption;
import io.etcd.jetcd.options.PutOption;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.function.Function;

/**
 * Writes this node's peer keys to etcd, one operation in flight per peer id: a change asked for
 * while one is in flight waits and replaces any change waiting before it, so that the key ends in
 * the state asked for last whatever the order the calls complete in, and a peer connecting and
 * disconnecting fast costs at most two writes in flight, not one per change.
 *
 * <p>A put attaches the key to the node's lease and always writes (newest wins across nodes);
 * a delete is a compare-and-delete: only while the key still names this node, so that it cannot
 * remove a newer registration on another node. A failed write is retried after a pause while it
 * is still the change asked for last.
 */
final class PeerKeyWriter {
    private static final long RETRY_MILLIS = 250;

    private final KV kv;
    private final Function<String, ByteSequence> keyOf;
    private final ByteSequence nodeValue;
    private final LongSupplier leaseId;
    private final Duration callTimeout;
    private final ScheduledExecutorService scheduler;
    private final Written written;
    private final Object lock = new Object();
    /** Guarded by {@link #lock}: the ids with a write in flight, to the change waiting after it (null: none). */
    private final Map<String, Boolean> inFlight = new HashMap<>();
    private volatile boolean closed;

    private final EtcdCalls calls;

    PeerKeyWriter(KV kv, Function<String, ByteSequence> keyOf, ByteSequence nodeValue, LongSupplier leaseId,
                  Duration callTimeout, ScheduledExecutorService scheduler, Written written, EtcdCalls calls) {
        this.kv = kv;
        this.calls = calls;
        this.keyOf = keyOf;
        this.nodeValue = nodeValue;
        this.leaseId = leaseId;
        this.callTimeout = callTimeout;
        this.scheduler = scheduler;
        this.written = written;
    }

    /** Told the revision of each put that succeeded. */
    interface Written {
        void put(String peerId, long revision);
    }

    /** Makes the key of {@code peerId} name this node. */
    void put(String peerId) {
        write(peerId, true);
    }

    /** Removes the key of {@code peerId} if it still names this node. */
    void delete(String peerId) {
        write(peerId, false);
    }

    /** Ids with a write in flight (bounded by the peers of the node's cache). */
    int inFlight() {
        synchronized (lock) {
            return inFlight.size();
        }
    }

    void close() {
        closed = true;
    }

    private void write(String peerId, boolean put) {
        synchronized (lock) {
            if (inFlight.containsKey(peerId)) {
                inFlight.put(peerId, put);
                return;
            }
            inFlight.put(peerId, null);
        }
        issue(peerId, put);
    }

    private void issue(String peerId, boolean put) {
        if (closed) return;
        ByteSequence key = keyOf.apply(peerId);
        CompletableFuture<?> call = put
                ? kv.put(key, nodeValue, PutOption.builder().withLeaseId(leaseId.getAsLong()).build())
                : kv.txn().If(new Cmp(key, Cmp.Op.EQUAL, CmpTarget.value(nodeValue)))
                        .Then(Op.delete(key, DeleteOption.DEFAULT)).commit();
        calls.counted(call.orTimeout(callTimeout.toMillis(), TimeUnit.MILLISECONDS)).whenComplete((r, e) -> {
            if (e == null && r instanceof PutResponse p) written.put(peerId, p.getHeader().getRevision());
            done(peerId, put, e);
        });
    }

    private void done(String peerId, boolean put, Throwable failure) {
        Boolean next;
        synchronized (lock) {
            next = inFlight.get(peerId);
            if (next == null && failure == null) {
                inFlight.remove(peerId);
                return;
            }
            inFlight.put(peerId, null);
        }
        boolean again = next != null ? next : put; // a failed write goes again unless a newer change replaced it
        if (failure != null && next == null) {
            scheduler.schedule(() -> issue(peerId, again), RETRY_MILLIS, TimeUnit.MILLISECONDS);
        } else {
            issue(peerId, again);
        }
    }
}
