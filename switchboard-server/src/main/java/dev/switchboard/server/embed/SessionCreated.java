package dev.switchboard.server.embed;

import dev.switchboard.core.session.store.SessionRecord;

/**
 * A new resumable session, as the {@link SessionCreatedHook} sees it.
 *
 * @param record the session as a {@link dev.switchboard.core.session.store.SessionStore} keeps it
 *               (id, key verifier, attributes, ...): what an embedder's durable store saves so
 *               that its {@link dev.switchboard.core.session.store.SessionLookup} can bring the
 *               session back after a crash
 */
public record SessionCreated(String sessionId, String transport, String remoteAddress, SessionRecord record) {
}
