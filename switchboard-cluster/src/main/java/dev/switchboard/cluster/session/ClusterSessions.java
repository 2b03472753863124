package dev.switchboard.cluster.session;

import dev.switchboard.cluster.ClusterConnections;
import dev.switchboard.cluster.etcd.EtcdSessionRecords;
import dev.switchboard.cluster.nats.NatsSubjects;
import dev.switchboard.core.session.Session;
import dev.switchboard.core.session.SessionConnection;
import dev.switchboard.core.session.SessionDirectory;
import dev.switchboard.core.session.SessionPolicy;
import dev.switchboard.core.session.SessionRegistry;
import dev.switchboard.core.session.store.SessionLookup;
import java.time.Duration;
import java.util.function.Consumer;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Sessions across nodes: the node's resumable sessions recorded in etcd (kept in step every
 * {@link #SYNC_INTERVAL}), the NATS subject on which it hands its sessions over, and the lookup
 * that brings a session resumed here from wherever it was. See docs/cluster.md, "Sessions across
 * nodes".
 *
 * <p>As a {@link SessionDirectory} it is the node's own registry, each session living on one node
 * and etcd saying which: {@link #open}, {@link #find}, {@link #authenticate}, {@link #attach},
 * {@link #detach}, {@link #close(Session, boolean)} and {@link #count} are about this node's
 * sessions (no call waits for etcd or NATS, as the interface demands), and {@link #resume} of a
 * session another node holds brings it here (moved or adopted, with its locks) through the
 * {@link #lookup} the node installs with {@link SessionRegistry#lookUpMissingWith}.
 */
public final class ClusterSessions implements SessionDirectory, AutoCloseable {
    /** How often the node writes what changed in its sessions to etcd: what a crash can lose of them. */
    public static final Duration SYNC_INTERVAL = Duration.ofMillis(500);

    private final SessionRegistry registry;
    private final EtcdSessionRecords records;
    private final SessionHandover handover;
    private final ScheduledExecutorService syncThread;
    private final ClusterSessionLookup lookup;

    /**
     * @param callTimeout the deadline of each etcd call and of a handover request
     */
    public ClusterSessions(ClusterConnections connections, String prefix, SessionRegistry registry, Duration callTimeout) {
        this.registry = registry;
        this.records = new EtcdSessionRecords(connections, prefix, registry.lifecycle().graceMs(), callTimeout);
        SessionRecordSync sync = new SessionRecordSync(records, registry);
        this.handover = new SessionHandover(connections.nats(), new NatsSubjects(prefix), connections.nodeId(), callTimeout,
                registry, sync::moved);
        this.lookup = new ClusterSessionLookup(records, handover, sync, new HeldLockTransfer(registry, callTimeout));
        this.syncThread = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "switchboard-session-records");
            t.setDaemon(true);
            return t;
        });
        syncThread.scheduleWithFixedDelay(sync, SYNC_INTERVAL.toMillis(), SYNC_INTERVAL.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** For the registry's {@link SessionRegistry#lookUpMissingWith}: resumes of sessions this node does not hold. */
    public SessionLookup lookup() {
        return lookup;
    }

    @Override
    public SessionRegistry.Open open(SessionPolicy policy, long numericId, String transport, String remoteAddress,
                                     String clientIp, SessionConnection first) {
        return registry.open(policy, numericId, transport, remoteAddress, clientIp, first);
    }

    /** This node's session with this id: a session held by another node is found only by a resume, which moves it. */
    @Override
    public Session find(String id) {
        return registry.find(id);
    }

    @Override
    public Session authenticate(String id, String key) {
        return registry.authenticate(id, key);
    }

    @Override
    public void resume(String id, String key, long lastSeq, SessionConnection c, Consumer<SessionRegistry.Attach> done) {
        registry.resume(id, key, lastSeq, c, done);
    }

    @Override
    public void attach(Session s, SessionConnection c, long lastSeq, Consumer<SessionRegistry.Attach> done) {
        registry.attach(s, c, lastSeq, done);
    }

    @Override
    public void detach(Session s, SessionConnection c) {
        registry.detach(s, c);
    }

    /** Ends the session here; its record leaves etcd with the next sync. */
    @Override
    public void close(Session s, boolean releaseHeld) {
        registry.close(s, releaseHeld);
    }

    /** Sessions open on this node (each session counts on the one node that holds it). */
    @Override
    public int count() {
        return registry.count();
    }

    /** The etcd records (their keys and lease TTL). */
    public EtcdSessionRecords records() {
        return records;
    }

    /**
     * Stops syncing and answering handovers. The records are left to run out with the lease, so
     * that the clients of a node that stops can resume on another one within the grace.
     */
    @Override
    public void close() {
        syncThread.shutdownNow();
        handover.close();
        records.close();
    }
}
