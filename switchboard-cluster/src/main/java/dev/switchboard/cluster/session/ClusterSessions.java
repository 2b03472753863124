package dev.switchboard.cluster.session;

import dev.switchboard.cluster.ClusterConnections;
import dev.switchboard.cluster.etcd.EtcdSessionRecords;
import dev.switchboard.cluster.nats.NatsSubjects;
import dev.switchboard.core.session.SessionRegistry;
import dev.switchboard.core.session.store.SessionLookup;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Sessions across nodes: the node's resumable sessions recorded in etcd (kept in step every
 * {@link #SYNC_INTERVAL}), the NATS subject on which it hands its sessions over, and the lookup
 * that brings a session resumed here from wherever it was. See docs/cluster.md, "Sessions across
 * nodes".
 */
public final class ClusterSessions implements AutoCloseable {
    /** How often the node writes what changed in its sessions to etcd: what a crash can lose of them. */
    public static final Duration SYNC_INTERVAL = Duration.ofMillis(500);

    private final EtcdSessionRecords records;
    private final SessionHandover handover;
    private final ScheduledExecutorService syncThread;
    private final ClusterSessionLookup lookup;

    /**
     * @param callTimeout the deadline of each etcd call and of a handover request
     */
    public ClusterSessions(ClusterConnections connections, String prefix, SessionRegistry registry, Duration callTimeout) {
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
