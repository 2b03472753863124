package dev.switchboard.cluster.session;

import dev.switchboard.cluster.etcd.EtcdSessionRecords;
import dev.switchboard.core.session.Session;
import dev.switchboard.core.session.SessionEnd;
import dev.switchboard.core.session.SessionRegistry;
import dev.switchboard.core.session.store.SessionRecord;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps etcd's session records in step with the node's resumable sessions, one pass at a time
 * (the caller runs {@link #run} periodically on one thread): a session opened or changed since
 * the last pass (subscriptions, attributes, held locks, last sequence number) is written, an
 * ended one deleted. The last-seen time alone does not cause a write. A record another node has
 * taken since this node wrote it means the session lives there now: the copy here is closed.
 */
final class SessionRecordSync implements Runnable {
    private static final Logger log = LoggerFactory.getLogger(SessionRecordSync.class);

    /**
     * What this node last wrote for a session (last-seen time zeroed) and the lock owner id it
     * wrote with it (0 for a record written before the session was restored here), the key's mod
     * revision then, and when it adopted the session ({@code System.nanoTime()}, 0 for one opened here).
     */
    private record Written(SessionRecord compared, long owner, long revision, long adoptedAtNanos) {
        Written(SessionRecord compared, long owner, long revision) {
            this(compared, owner, revision, 0);
        }

        /** Adopted so recently that the registry may not have restored it yet: not ended, only not live yet. */
        boolean arriving() {
            return adoptedAtNanos != 0 && System.nanoTime() - adoptedAtNanos < ARRIVAL_NANOS;
        }
    }

    /** Far longer than a restore takes between the lookup's answer and the registry holding the session. */
    private static final long ARRIVAL_NANOS = java.util.concurrent.TimeUnit.SECONDS.toNanos(5);

    private final EtcdSessionRecords records;
    private final SessionRegistry registry;
    private final Map<String, Written> written = new ConcurrentHashMap<>();
    private long leaseLossesSeen;

    SessionRecordSync(EtcdSessionRecords records, SessionRegistry registry) {
        this.records = records;
        this.registry = registry;
    }

    /** This node wrote {@code r} itself at {@code revision} (it adopted the session). */
    void adopted(SessionRecord r, long revision) {
        written.put(r.id(), new Written(r.withLastSeen(0), 0, revision, Math.max(1, System.nanoTime())));
    }

    /** The session moved to another node: its record there is not this node's to delete. */
    void moved(String id) {
        written.remove(id);
    }

    @Override
    public void run() {
        try {
            pass();
        } catch (RuntimeException e) {
            // etcd unreachable or slow: the next pass tries again with what is still unwritten.
            log.warn("could not bring the cluster's session records up to date: {}", e.getMessage());
        }
    }

    private void pass() {
        long losses = records.leaseLosses();
        if (losses != leaseLossesSeen) {
            leaseLossesSeen = losses;
            written.clear(); // the lease took every record with it: all are written anew
        }
        Set<String> live = new HashSet<>();
        for (Session s : registry.resumable()) {
            live.add(s.id());
            SessionRecord r = registry.snapshot(s);
            SessionRecord compared = r.withLastSeen(0);
            Written w = written.get(s.id());
            if (w != null && w.compared().equals(compared) && w.owner() == s.ownerId()) continue;
            long revision = records.save(r, s.ownerId(), w == null ? 0 : w.revision());
            if (revision < 0) {
                written.remove(s.id());
                log.info("session {} was taken by another node; closing the copy here", s.id());
                registry.close(s, registry.lifecycle().releaseHeldOnEnd(), SessionEnd.CLOSED_BY_SERVER,
                        "the session was resumed on another node");
            } else {
                written.put(s.id(), new Written(compared, s.ownerId(), revision));
            }
        }
        for (Map.Entry<String, Written> e : written.entrySet()) {
            if (live.contains(e.getKey()) || e.getValue().arriving()) continue;
            // Ended here: its record goes, unless another node wrote it since.
            records.remove(e.getKey(), e.getValue().revision());
            written.remove(e.getKey(), e.getValue());
        }
    }
}
