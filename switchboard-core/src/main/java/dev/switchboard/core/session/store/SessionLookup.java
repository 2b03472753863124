package dev.switchboard.core.session.store;

import java.util.Optional;

/**
 * Where a node looks for a session it does not hold in memory when a client resumes it: the read
 * half of {@link SessionStore}, which is one. An embedding program that keeps its sessions in a
 * durable store of its own (a database) gives a lookup, so that its clients' sessions survive a
 * crash of the node: the record found is restored exactly as a record saved at a graceful stop is,
 * and the client's key is checked against the record's verifier.
 *
 * <p>Called off the I/O threads, and may block; it must be thread-safe. An exception is logged
 * and the resume fails as if nothing was found.
 */
@FunctionalInterface
public interface SessionLookup {
    /** The record of the session with this id (a client-supplied id, already checked by {@link SessionRecord#isValidId}), or empty. */
    Optional<SessionRecord> find(String id);

    /**
     * The record to restore for a client resuming {@code id} with {@code key}; the registry then
     * checks {@code key} against the record's verifier. By default {@link #find}. A lookup that
     * acts on the session's behalf before answering (a cluster moving the session away from the
     * node that has it) checks the key itself first, so that a wrong key changes nothing.
     */
    default Optional<SessionRecord> findForResume(String id, String key) {
        return find(id);
    }
}
