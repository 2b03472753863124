package dev.switchboard.cluster.etcd;

import dev.switchboard.cluster.ClusterConnections;
import dev.switchboard.cluster.NodeLease;
import dev.switchboard.core.session.store.SessionRecord;
import dev.switchboard.core.session.store.SessionRecordJson;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.kv.TxnResponse;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.DeleteOption;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.PutOption;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * The cluster's record of each resumable session: {@code /<prefix>/sessions/<id>} holds
 * {@code {"node": <node id>, "session": <the record, as a durable store writes it>}} — the key's
 * verifier, never the key. Every record a node writes hangs on that node's sessions lease, whose
 * TTL is one and a half session graces (whole seconds, rounded up) and which the node keeps alive
 * every third of it: when a node dies its records vanish between one and one and a half graces
 * later, so a client always has at least the grace to resume elsewhere.
 *
 * <p>Writes are conditional on the key's mod revision, so that a node never overwrites a record
 * another node has taken since ({@link #save}); {@link #adopt} is the write of the node that adopts
 * a dead node's session (compared on the revision it found), {@link #take} the unconditional one of
 * a node a live node handed a session to. The record also carries the session's owner id on its
 * node, by which its held lock keys name it, so that a node resuming it can take its locks over. Every call waits at most the call timeout and then throws
 * {@link EtcdCallException}: the caller decides what a failed call means.
 *
 * <p>Thread-safe.
 */
public final class EtcdSessionRecords implements AutoCloseable {
    /**
     * A record as found in etcd: which node wrote it, the key's mod revision then, and the
     * session's owner id on that node (what its lock keys in etcd name it by; 0 when not known yet).
     */
    public record Placed(String node, SessionRecord record, long modRevision, long owner) {
    }

    /** An etcd call failed or took longer than the call timeout. */
    public static final class EtcdCallException extends RuntimeException {
        EtcdCallException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private static final JsonMapper MAPPER = JsonMapper.builder().build();

    private final KV kv;
    private final String nodeId;
    private final String keyPrefix;
    private final long ttlSeconds;
    private final Duration callTimeout;
    private final NodeLease lease;
    /** Bumped each time the lease is lost: every record this node wrote is gone from etcd then. */
    private final AtomicLong leaseLosses = new AtomicLong();

    /**
     * @param graceMs the session grace period: a dead node's records outlive it by at least this long
     */
    public EtcdSessionRecords(ClusterConnections connections, String prefix, long graceMs, Duration callTimeout) {
        this.kv = connections.etcd().getKVClient();
        this.nodeId = connections.nodeId();
        this.keyPrefix = "/" + prefix + "/sessions/";
        this.ttlSeconds = ttlSeconds(graceMs);
        this.callTimeout = callTimeout;
        this.lease = new NodeLease(connections.etcd(), nodeId + "-sessions", ttlSeconds, callTimeout);
        lease.listen(id -> leaseLosses.incrementAndGet());
    }

    /**
     * The lease TTL for a grace: a node keeps its lease alive every third of the TTL, so a dead
     * node's records last between two thirds of the TTL and the whole TTL; 1.5 × the grace makes
     * the shortest of those the grace itself.
     */
    static long ttlSeconds(long graceMs) {
        long ms = Math.max(1, graceMs) * 3 / 2;
        return Math.max(1, ms / 1000 + (ms % 1000 == 0 ? 0 : 1));
    }

    public long ttlSeconds() {
        return ttlSeconds;
    }

    /** This node's id, which its records carry. */
    public String nodeId() {
        return nodeId;
    }

    /** How many times this node's lease was lost (its records with it). */
    public long leaseLosses() {
        return leaseLosses.get();
    }

    /** The key of a session id (ids are {@code [A-Za-z0-9_-]}, safe as a key segment). */
    public String key(String id) {
        return keyPrefix + id;
    }

    /** The record of {@code id}, or empty when there is none (or what is there is not a record). */
    public Optional<Placed> find(String id) {
        List<KeyValue> kvs = await(kv.get(bytes(key(id)), GetOption.DEFAULT)).getKvs();
        return kvs.isEmpty() ? Optional.empty() : decode(kvs.get(0));
    }

    /**
     * Writes this node's record when the key still has mod revision {@code expectedRevision} (0:
     * when there is no record), or when the record there is this node's own (a restart, a lost
     * lease). Returns the new mod revision, or -1 when another node has the session now.
     */
    public long save(SessionRecord r, long expectedRevision) {
        return save(r, 0, expectedRevision, 2);
    }

    /** {@link #save(SessionRecord, long)} of a session that is lock owner {@code owner} on this node. */
    public long save(SessionRecord r, long owner, long expectedRevision) {
        return save(r, owner, expectedRevision, 2);
    }

    /** {@link #save}, retrying at most {@code retries} times after the record changed under it (a bounded race). */
    private long save(SessionRecord r, long owner, long expectedRevision, int retries) {
        long leaseId = leaseId();
        ByteSequence key = bytes(key(r.id()));
        Cmp unchanged = expectedRevision == 0
                ? new Cmp(key, Cmp.Op.EQUAL, CmpTarget.version(0))
                : new Cmp(key, Cmp.Op.EQUAL, CmpTarget.modRevision(expectedRevision));
        TxnResponse t = await(kv.txn().If(unchanged)
                .Then(Op.put(key, encode(r, owner), PutOption.builder().withLeaseId(leaseId).build()))
                .Else(Op.get(key, GetOption.DEFAULT)).commit());
        if (t.isSucceeded()) return t.getHeader().getRevision();
        if (retries == 0) throw new EtcdCallException("the record of session " + r.id() + " keeps changing", null);
        List<KeyValue> there = t.getGetResponses().isEmpty() ? List.of() : t.getGetResponses().get(0).getKvs();
        if (there.isEmpty()) return save(r, owner, 0, retries - 1); // it vanished meanwhile (our lease ran out): write it anew
        Optional<Placed> placed = decode(there.get(0));
        if (placed.isPresent() && !placed.get().node().equals(nodeId)) return -1;
        return save(r, owner, there.get(0).getModRevision(), retries - 1);
    }

    /**
     * Writes this node's record whatever is there: the node the session was on handed it over.
     * Returns the new mod revision.
     */
    public long take(SessionRecord r) {
        long leaseId = leaseId();
        return await(kv.put(bytes(key(r.id())), encode(r, 0), PutOption.builder().withLeaseId(leaseId).build()))
                .getHeader().getRevision();
    }

    /**
     * Writes this node's record if the key still has mod revision {@code foundRevision}: the node
     * adopts the session of a node that is gone. Of several nodes adopting at once, one wins.
     * Returns the new mod revision, or -1 when the record changed since it was found.
     */
    public long adopt(SessionRecord r, long foundRevision) {
        long leaseId = leaseId();
        ByteSequence key = bytes(key(r.id()));
        TxnResponse t = await(kv.txn().If(new Cmp(key, Cmp.Op.EQUAL, CmpTarget.modRevision(foundRevision)))
                .Then(Op.put(key, encode(r, 0), PutOption.builder().withLeaseId(leaseId).build())).commit());
        return t.isSucceeded() ? t.getHeader().getRevision() : -1;
    }

    /** Deletes the record if it still has mod revision {@code expectedRevision}; true when it did. */
    public boolean remove(String id, long expectedRevision) {
        ByteSequence key = bytes(key(id));
        return await(kv.txn().If(new Cmp(key, Cmp.Op.EQUAL, CmpTarget.modRevision(expectedRevision)))
                .Then(Op.delete(key, DeleteOption.DEFAULT)).commit()).isSucceeded();
    }

    private long leaseId() {
        return await(lease.id());
    }

    private ByteSequence encode(SessionRecord r, long owner) {
        ObjectNode root = MAPPER.createObjectNode();
        root.put("node", nodeId);
        root.put("owner", owner);
        root.set("session", SessionRecordJson.toTree(r));
        return ByteSequence.from(MAPPER.writeValueAsBytes(root));
    }

    /** A value this class wrote; anything else is treated as no record (and logged by nobody: it is not ours). */
    private static Optional<Placed> decode(KeyValue kv) {
        try {
            JsonNode root = MAPPER.readTree(kv.getValue().getBytes());
            JsonNode node = root == null ? null : root.get("node");
            JsonNode session = root == null ? null : root.get("session");
            if (node == null || !node.isString() || session == null) return Optional.empty();
            return Optional.of(new Placed(node.stringValue(), SessionRecordJson.fromTree(session), kv.getModRevision(),
                    root.path("owner").asLong(0)));
        } catch (RuntimeException e) {
            return Optional.empty();
        }
    }

    private <T> T await(CompletableFuture<T> call) {
        try {
            return call.get(callTimeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            call.cancel(false);
            throw new EtcdCallException("etcd did not answer within " + callTimeout.toMillis() + " ms", e);
        } catch (ExecutionException e) {
            throw new EtcdCallException("etcd refused the call: " + e.getCause(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new EtcdCallException("interrupted while waiting for etcd", e);
        }
    }

    private static ByteSequence bytes(String s) {
        return ByteSequence.from(s, StandardCharsets.UTF_8);
    }

    /**
     * Stops keeping the lease alive without giving it back: the records run out within 1.5 graces,
     * so that the clients of a node that stopped can still resume on another one meanwhile.
     */
    @Override
    public void close() {
        lease.abandon();
    }
}
