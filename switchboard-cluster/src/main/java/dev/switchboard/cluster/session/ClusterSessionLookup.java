package dev.switchboard.cluster.session;

import dev.switchboard.cluster.etcd.EtcdSessionRecords;
import dev.switchboard.core.session.store.SessionKeys;
import dev.switchboard.core.session.store.SessionLookup;
import dev.switchboard.core.session.store.SessionRecord;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds, for a resume this node cannot serve from memory, the session in the cluster and brings it
 * here: from etcd's record when the node that had it is gone (adopted), or from that node itself
 * when it is alive (moved). Runs on the node's lookup threads; every step has a deadline.
 *
 * <p>Every failure — no record, a wrong key, an unreachable etcd, a node that does not answer —
 * gives empty, which the client sees as {@code session_not_found}. A node that does not answer in
 * time may still hold the session, so it is not adopted: two live copies would be worse.
 */
final class ClusterSessionLookup implements SessionLookup {
    private static final Logger log = LoggerFactory.getLogger(ClusterSessionLookup.class);

    /**
     * How far sequence numbers jump when a session is adopted from a dead node: past any number
     * that node may have sent since its last record, so that none is reused and the client's
     * {@code last_seq} is below the new session's — its resume says {@code recovered: false}.
     */
    static final long ADOPTION_SEQ_JUMP = 1L << 32;

    private final EtcdSessionRecords records;
    private final SessionHandover handover;
    private final SessionRecordSync sync;
    private final HeldLockTransfer locks;

    ClusterSessionLookup(EtcdSessionRecords records, SessionHandover handover, SessionRecordSync sync, HeldLockTransfer locks) {
        this.records = records;
        this.handover = handover;
        this.sync = sync;
        this.locks = locks;
    }

    /** Without a key nothing may move: a plain find only reads the record. */
    @Override
    public Optional<SessionRecord> find(String id) {
        return placed(id).map(EtcdSessionRecords.Placed::record);
    }

    @Override
    public Optional<SessionRecord> findForResume(String id, String key) {
        Optional<EtcdSessionRecords.Placed> found = placed(id);
        if (found.isEmpty()) return Optional.empty();
        EtcdSessionRecords.Placed p = found.get();
        // This node's own record of a session it no longer holds: it ended here (the record goes
        // with the next sync). A wrong key must change nothing anywhere.
        if (p.node().equals(records.nodeId()) || !SessionKeys.matches(key, p.record().resumeKeyVerifier())) {
            return Optional.empty();
        }
        SessionHandover.Outcome outcome = handover.request(p.node(), id, p.record().resumeKeyVerifier());
        SessionRecord r = null;
        if (outcome instanceof SessionHandover.Moved moved) {
            r = moved.record();
        } else if (outcome instanceof SessionHandover.NoNode) {
            log.info("adopting session {} of node {}, which is gone", id, p.node());
            r = p.record().withLastSeq(p.record().lastSeq() + ADOPTION_SEQ_JUMP);
        } else if (outcome instanceof SessionHandover.Unanswered u) {
            log.warn("cannot resume session {} here: {}", id, u.why());
        } // Gone: it ended there
        if (r == null) return Optional.empty();
        try {
            // A dead node's session: of two nodes adopting it at once, the one whose write finds the
            // record as read wins; the other answers session_not_found (a retry finds the winner
            // alive, which hands it over). A live node answered only this node: its write is plain.
            long revision = outcome instanceof SessionHandover.Moved ? records.take(r) : records.adopt(r, p.modRevision());
            if (revision < 0) {
                log.info("session {} was adopted by another node meanwhile", id);
                return Optional.empty();
            }
            sync.adopted(r, revision);
        } catch (RuntimeException e) {
            // Not restored: a copy here that etcd does not name could never be found again by
            // another node. The client's next resume tries again.
            log.warn("could not write the record of adopted session {}: {}", id, e.getMessage());
            return Optional.empty();
        }
        // Restored here with its locks; the registry then finds it restored (and reports nothing twice).
        locks.restore(r, p.node(), p.owner());
        return Optional.of(r.withHeldLocks(java.util.List.of()));
    }

    private Optional<EtcdSessionRecords.Placed> placed(String id) {
        try {
            return records.find(id);
        } catch (RuntimeException e) {
            log.warn("cannot look up session {} in etcd: {}", id, e.getMessage());
            return Optional.empty();
        }
    }
}
