package dev.switchboard.cluster.relay;

import dev.switchboard.cluster.ClusterConnections;
import dev.switchboard.cluster.NodeLease;
import dev.switchboard.cluster.nats.NatsSubjects;
import dev.switchboard.core.relay.PeerDirectory;
import dev.switchboard.core.relay.PeerEndpoint;
import dev.switchboard.core.relay.PeerWatchers;
import dev.switchboard.core.relay.PresenceListener;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.KeyValue;

import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.watch.WatchEvent;
import io.etcd.jetcd.watch.WatchResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The peer directory of a cluster: who is online on every node, in etcd; direct messages between
 * nodes on NATS.
 *
 * <p><b>Where things are.</b> Each peer online has a key {@code /<prefix>/peers/<peer id>} (the id's
 * UTF-8 bytes as they are: a key is any bytes and the id is all of it after the prefix) whose value
 * is the id of the node it is connected to, attached to that node's etcd lease. Every node watches
 * the prefix and keeps a cache, id to node: {@link #find} answers from it with no round trip, and a
 * message to a peer of another node is published to that node's subject
 * {@code <prefix>.relay.<node id>} (see {@link PeerMessages}).
 *
 * <p><b>Local changes are immediate; etcd follows.</b> A registration or a claim's close changes the
 * cache and tells this node's watchers at once, as the in-memory directory does, then writes the key
 * ({@link PeerKeyWriter}: one write in flight per id, the last change wins). Other nodes hear of it
 * when etcd tells them, a few milliseconds later.
 *
 * <p><b>Newest wins across nodes, ordered by etcd revision.</b> A key naming another node, with a
 * revision above the one at which the key came to name this node, means a newer connection
 * elsewhere took the id: the local endpoint is {@link PeerEndpoint#displaced displaced} and watchers
 * hear nothing. While the revision of this node's own write is not known yet (neither its answer
 * nor its watch event has come), the newest other key seen is kept aside as the rival, and
 * compared when the revision is known. Every node applies the same order, so all agree on one owner.
 *
 * <p><b>Offline.</b> A deleted key (the peer's claim closed, or its node's lease ran out because the
 * node died or lost etcd for longer than the TTL) is an offline event for every node's watchers. A
 * key of this node deleted while the peer is still here (this node's lease ran out) is written
 * again, under a new lease.
 *
 * <p><b>No gap.</b> The cache is loaded by reading the prefix, then watching from the next revision.
 * When the watch fails beyond jetcd's own retries (compaction, etcd gone), the node reads the prefix
 * again and tells its watchers the differences, then watches again from there.
 *
 * <p><b>Bounded.</b> The cache holds at most {@link ClusterPeerSettings#maxPeers()} ids (this node's and
 * others'); presence watches are bounded as the in-memory directory's.
 */
public final class ClusterPeerDirectory implements PeerDirectory, AutoCloseable {
    /** The limit name told to {@link #onLimitHit} when the cache is full. */
    public static final String CACHE_LIMIT = "cluster_max_peers";
    private static final Logger LOG = LoggerFactory.getLogger(ClusterPeerDirectory.class);
    private static final long RELOAD_MILLIS = 500;

    private final String nodeId;
    private final ClusterPeerSettings settings;
    private final KV kv;
    private final io.etcd.jetcd.Watch watchClient;
    private final ByteSequence prefixKey;
    private final String keyPrefix;
    private final NatsSubjects subjects;
    private final ScheduledExecutorService scheduler;
    private final Object lock = new Object();
    /** Written under {@link #lock}, read without: each id's owner now (a {@link LocalClaim} or a {@link Remote}). */
    private final Map<String, Entry> entries = new ConcurrentHashMap<>();
    private final PeerWatchers watchers;
    private final PeerKeyWriter writer;
    private final PeerMessages messages;
    private final NodeLease lease;
    /** Whether the lease is this directory's own (made alone, in tests), given back when it closes. */
    private final boolean ownsLease;
    private final AutoCloseable leaseListener;
    private final dev.switchboard.cluster.EtcdCalls etcdCalls;
    private final AtomicLong cacheFull = new AtomicLong();
    private volatile Consumer<String> limitHits = limit -> { };
    private volatile io.etcd.jetcd.Watch.Watcher watcher;
    private volatile boolean closed;

    /**
     * Joins the cluster: grants the node's lease, reads who is online, watches from there and
     * subscribes this node's direct-message subject. Waits up to the settings' call timeout for each
     * etcd call; throws when etcd cannot be reached.
     */
    public ClusterPeerDirectory(ClusterConnections connections, ClusterPeerSettings settings) throws Exception {
        this(connections, settings, null);
    }

    /**
     * As above, with the node's lease shared with its other engines ({@code ClusterEngines} gives it
     * back after every engine closed), or null for a lease of the directory's own
     * ({@code leaseTtlSeconds}).
     */
    public ClusterPeerDirectory(ClusterConnections connections, ClusterPeerSettings settings, NodeLease sharedLease)
            throws Exception {
        this.nodeId = connections.nodeId();
        this.settings = settings;
        this.kv = connections.etcd().getKVClient();
        this.etcdCalls = connections.etcdCalls();
        this.watchClient = connections.etcd().getWatchClient();
        this.subjects = new NatsSubjects(settings.prefix());
        this.keyPrefix = "/" + settings.prefix() + "/peers/";
        this.prefixKey = bytes(keyPrefix);
        this.scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "cluster-peers-" + nodeId);
            t.setDaemon(true);
            return t;
        });
        this.watchers = new PeerWatchers(lock, settings.maxWatchedIds(), entries::containsKey, entries::keySet);
        this.ownsLease = sharedLease == null;
        this.lease = ownsLease
                ? new NodeLease(connections.etcd(), nodeId, settings.leaseTtlSeconds(), settings.callTimeout()) : sharedLease;
        this.leaseListener = lease.listen(new NodeLease.Listener() {
            @Override
            public void lost(long leaseId) {
                // the keys are written again under the new lease, when it comes (renewed)
            }

            @Override
            public void renewed(long leaseId) {
                leaseRenewed();
            }
        });
        try {
            lease.id().get(settings.callTimeout().toMillis(), TimeUnit.MILLISECONDS); // the first put needs it
            this.writer = new PeerKeyWriter(kv, id -> bytes(keyPrefix + id), bytes(nodeId), lease::currentId,
                    settings.callTimeout(), scheduler, this::written, etcdCalls);
            this.messages = new PeerMessages(connections.nats(), subjects.single("relay", nodeId), this::localEndpoint,
                    scheduler, settings.callTimeout());
            load();
        } catch (Exception | Error e) {
            leaseListener.close();
            if (ownsLease) lease.close();
            scheduler.shutdownNow();
            throw e;
        }
    }

    /** Told the limit's name ({@link #CACHE_LIMIT}) each time the cache is full. */
    public void onLimitHit(Consumer<String> counter) {
        this.limitHits = counter;
    }

    public String nodeId() {
        return nodeId;
    }

    /** Other nodes' peers not cached because the cache was full (not found from this node). */
    public long cacheFullDrops() {
        return cacheFull.get();
    }

    /** Direct messages that reached this node for a peer no longer here (dropped). */
    public long droppedMessages() {
        return messages.dropped();
    }

    /** Messages on this node's subject that were not direct messages (dropped). */
    public long malformedMessages() {
        return messages.malformed();
    }

    /** Peer ids whose key write to etcd is still on its way (for tests that wait for etcd to agree). */
    int pendingWrites() {
        return writer.inFlight();
    }

    /** Peers connected to this node. */
    public int localSize() {
        int n = 0;
        for (Entry e : entries.values()) if (e instanceof LocalClaim) n++;
        return n;
    }

    // ---- the PeerDirectory contract ----------------------------------------------------------------

    @Override
    public Claimed register(String peerId, PeerEndpoint endpoint) {
        LocalClaim claim = new LocalClaim(peerId, endpoint);
        Entry previous;
        synchronized (lock) {
            previous = entries.get(peerId);
            if (previous == null && entries.size() >= settings.maxPeers()) {
                cacheFull.incrementAndGet();
                limitHits.accept(CACHE_LIMIT);
                return new Claimed.Refused("the node knows " + settings.maxPeers() + " peers online already");
            }
            if (previous instanceof LocalClaim older) {
                claim.inherit(older); // the key names this node already (or will, when the write lands)
            } else {
                writer.put(peerId);
            }
            entries.put(peerId, claim);
            if (previous == null) watchers.notifyLocked(peerId, true);
            if (previous instanceof Remote r) leftLocked(peerId, r);
        }
        if (previous instanceof LocalClaim older) older.endpoint.displaced(peerId);
        return claim;
    }

    @Override
    public Optional<PeerEndpoint> find(String peerId) {
        Entry e = entries.get(peerId);
        return e == null ? Optional.empty() : Optional.of(e.endpoint());
    }

    @Override
    public Watched watch(Collection<String> peerIds, PresenceListener listener) {
        return watchers.watch(peerIds, listener);
    }

    @Override
    public Watched watchPattern(String pattern, PresenceListener listener) {
        return watchers.watchPattern(pattern, listener);
    }

    /** Peers online in the cluster, as this node's cache knows them. */
    @Override
    public int size() {
        return entries.size();
    }

    @Override
    public int watchCount() {
        return watchers.watchCount();
    }

    /**
     * Leaves the cluster: stops watching and receiving; the node's lease is revoked (by its owner,
     * right after, when it is shared), which deletes its peers' keys at once (the other nodes hear
     * them go offline).
     */
    @Override
    public void close() {
        if (closed) return;
        closed = true;
        io.etcd.jetcd.Watch.Watcher w = watcher;
        if (w != null) w.close();
        messages.close();
        writer.close();
        try {
            leaseListener.close();
        } catch (Exception e) {
            LOG.debug("closing the lease listener", e);
        }
        if (ownsLease) lease.close();
        scheduler.shutdownNow();
    }

    // ---- what the cache holds --------------------------------------------------------------------

    private sealed interface Entry permits LocalClaim, Remote {
        PeerEndpoint endpoint();
    }

    /** A peer of another node, as of the key's revision. */
    private record Remote(String node, long revision, PeerEndpoint endpoint) implements Entry {
    }

    /** A peer of this node. */
    private final class LocalClaim implements Entry, Claim {
        final String peerId;
        final PeerEndpoint endpoint;
        /** Guarded by {@link #lock}: the revision since which the key names this node; 0 while a write of it is on its way. */
        long revision;
        /** Guarded by {@link #lock}: the revision of the last deletion of the key seen; answers to writes made before it are stale. */
        long floor;
        /** Guarded by {@link #lock}: the newest key naming another node seen while {@link #revision} was unknown (0: none). */
        long rivalRevision;
        String rivalNode;

        void inherit(LocalClaim older) {
            revision = older.revision;
            floor = older.floor;
            rivalRevision = older.rivalRevision;
            rivalNode = older.rivalNode;
        }

        LocalClaim(String peerId, PeerEndpoint endpoint) {
            this.peerId = peerId;
            this.endpoint = endpoint;
        }

        @Override
        public PeerEndpoint endpoint() {
            return endpoint;
        }

        @Override
        public String peerId() {
            return peerId;
        }

        @Override
        public void close() {
            synchronized (lock) {
                if (!entries.remove(peerId, this)) return; // displaced: the successor's key stays
                watchers.notifyLocked(peerId, false);
                writer.delete(peerId);
            }
        }
    }

    private PeerEndpoint localEndpoint(String peerId) {
        return entries.get(peerId) instanceof LocalClaim c ? c.endpoint : null;
    }

    // ---- what etcd tells ----------------------------------------------------------------------------

    /** Under the lock: the key of {@code peerId} names {@code node} since {@code revision}. */
    private void putLocked(String peerId, String node, long revision, List<Runnable> after) {
        Entry current = entries.get(peerId);
        if (node.equals(nodeId)) {
            if (current instanceof LocalClaim c) {
                settleLocked(c, revision, after);
            } else {
                // Our write landed after the peer left or was displaced: take it back (compare-and-delete).
                writer.delete(peerId);
            }
            return;
        }
        if (current instanceof LocalClaim c) {
            if (c.revision == 0) {
                // Our write's revision is not known yet: compare when it is.
                if (revision > c.floor && revision > c.rivalRevision) {
                    c.rivalRevision = revision;
                    c.rivalNode = node;
                }
            } else if (revision > c.revision) {
                displaceLocked(c, node, revision, after);
            }
        } else if (current instanceof Remote r) {
            entries.put(peerId, remote(peerId, node, revision)); // moved between other nodes: no event
            if (!r.node().equals(node)) leftLocked(peerId, r);
        } else if (entries.size() >= settings.maxPeers()) {
            cacheFull.incrementAndGet();
            after.add(() -> limitHits.accept(CACHE_LIMIT));
        } else {
            entries.put(peerId, remote(peerId, node, revision));
            watchers.notifyLocked(peerId, true);
        }
    }

    /**
     * Under the lock: this node's write of the key of {@code c} has {@code revision} (its answer
     * or its watch event, whichever comes first): a rival seen meanwhile with a higher revision wins.
     */
    private void settleLocked(LocalClaim c, long revision, List<Runnable> after) {
        if (c.revision != 0 || revision <= c.floor) return; // known already, or a write older than the last deletion
        c.revision = revision;
        if (c.rivalRevision > revision) displaceLocked(c, c.rivalNode, c.rivalRevision, after);
        c.rivalRevision = 0;
        c.rivalNode = null;
    }

    /** Under the lock: a newer connection on {@code node} took the id of {@code c}; not an offline moment. */
    private void displaceLocked(LocalClaim c, String node, long revision, List<Runnable> after) {
        entries.put(c.peerId, remote(c.peerId, node, revision));
        after.add(() -> c.endpoint.displaced(c.peerId));
    }

    /** An answer to this node's write of the key of {@code peerId}: the revision it was made at. */
    private void written(String peerId, long revision) {
        List<Runnable> after = new ArrayList<>();
        synchronized (lock) {
            if (closed) return;
            if (entries.get(peerId) instanceof LocalClaim c) settleLocked(c, revision, after);
        }
        after.forEach(Runnable::run);
    }

    /** Under the lock: the key of {@code peerId} is gone, as of {@code revision}. */
    private void deletedLocked(String peerId, long revision) {
        Entry current = entries.get(peerId);
        if (current instanceof LocalClaim c) {
            // The key is gone under a peer still here (our lease ran out, a rival's key that had
            // overwritten ours was released, or our own older deletion): write it again.
            c.revision = 0;
            c.floor = Math.max(c.floor, revision);
            c.rivalRevision = 0;
            c.rivalNode = null;
            writer.put(peerId);
        } else if (current != null) {
            entries.remove(peerId);
            watchers.notifyLocked(peerId, false);
            if (current instanceof Remote r) leftLocked(peerId, r);
        }
    }

    /** Under the lock: {@code peerId} is no longer on the node of {@code r}; receipts awaited from there will not come. */
    private void leftLocked(String peerId, Remote r) {
        messages.peerLeft(subjects.single("relay", r.node()), peerId);
    }

    /** Receipt-asking messages sent from this node to peers of other nodes, awaiting their receipt (for leak checks). */
    public int awaitingReceipts() {
        return messages.awaitingReceipts();
    }

    private Remote remote(String peerId, String node, long revision) {
        return new Remote(node, revision, messages.remote(subjects.single("relay", node), peerId));
    }

    private void received(WatchResponse response) {
        List<Runnable> after = new ArrayList<>();
        synchronized (lock) {
            if (closed) return;
            for (WatchEvent e : response.getEvents()) {
                KeyValue kv = e.getKeyValue();
                String peerId = peerIdOf(kv.getKey());
                if (peerId == null) continue;
                if (e.getEventType() == WatchEvent.EventType.PUT) {
                    putLocked(peerId, kv.getValue().toString(StandardCharsets.UTF_8), kv.getModRevision(), after);
                } else if (e.getEventType() == WatchEvent.EventType.DELETE) {
                    deletedLocked(peerId, kv.getModRevision());
                }
            }
        }
        after.forEach(Runnable::run);
    }

    /**
     * Reads the prefix, makes the cache agree with it (telling watchers the differences), then
     * watches from the next revision. At start the cache is empty; after a failed watch it is what
     * the node knew before.
     */
    private void load() throws Exception {
        GetResponse got = etcdCalls.counted(kv.get(prefixKey, GetOption.builder().isPrefix(true).build())
                .orTimeout(settings.callTimeout().toMillis(), TimeUnit.MILLISECONDS)).get();
        List<Runnable> after = new ArrayList<>();
        synchronized (lock) {
            Set<String> present = new HashSet<>();
            for (KeyValue kv : got.getKvs()) {
                String peerId = peerIdOf(kv.getKey());
                if (peerId == null) continue;
                present.add(peerId);
                putLocked(peerId, kv.getValue().toString(StandardCharsets.UTF_8), kv.getModRevision(), after);
            }
            for (String peerId : List.copyOf(entries.keySet())) {
                if (!present.contains(peerId)) deletedLocked(peerId, got.getHeader().getRevision());
            }
        }
        after.forEach(Runnable::run);
        WatchOption from = WatchOption.builder().isPrefix(true).withRevision(got.getHeader().getRevision() + 1).build();
        watcher = watchClient.watch(prefixKey, from, io.etcd.jetcd.Watch.listener(this::received, this::watchFailed));
    }

    private void watchFailed(Throwable failure) {
        if (closed || NodeLease.clientClosed(failure)) return;
        LOG.warn("the watch of {} failed; reading the directory again", keyPrefix, failure);
        io.etcd.jetcd.Watch.Watcher w = watcher;
        if (w != null) w.close();
        scheduler.schedule(this::reload, RELOAD_MILLIS, TimeUnit.MILLISECONDS);
    }

    private void reload() {
        if (closed) return;
        try {
            load();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            if (NodeLease.clientClosed(e)) return;
            LOG.debug("reading {} failed; trying again", keyPrefix, e);
            if (!closed) scheduler.schedule(this::reload, RELOAD_MILLIS, TimeUnit.MILLISECONDS);
        }
    }

    /** A new lease replaced one that ran out: every key of this node is written again under it. */
    private void leaseRenewed() {
        synchronized (lock) {
            for (Entry e : entries.values()) {
                if (e instanceof LocalClaim c) writer.put(c.peerId);
            }
        }
    }

    private String peerIdOf(ByteSequence key) {
        String k = key.toString(StandardCharsets.UTF_8);
        return k.startsWith(keyPrefix) ? k.substring(keyPrefix.length()) : null;
    }

    private static ByteSequence bytes(String s) {
        return ByteSequence.from(s, StandardCharsets.UTF_8);
    }
}
