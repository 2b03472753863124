package dev.switchboard.core.session;

import java.util.function.Consumer;

/**
 * Where sessions are found, authenticated and attached to: the engine seam of sessions. The
 * in-memory directory ({@link SessionRegistry}) holds the sessions of one node; a cluster engine
 * keeps the same contract with each session living on one node and the directory saying which.
 *
 * <p>Thread-safety: every method may be called from any thread; none blocks. Callbacks run once,
 * on the calling thread when the session's mailbox is idle, else on the thread that drains it.
 */
public interface SessionDirectory {
    /**
     * Opens a session of {@code policy} with {@code first} (if not null) attached, counting it
     * against the policy's caps atomically with its creation, so that concurrent opens never
     * overshoot a cap. A resumable policy gets a new secret key, returned once in
     * {@link SessionRegistry.Opened#resumeKey()} and never stored (only a verifier is).
     *
     * @param numericId 0 draws a new number; a connection-bound session passes its connection's
     * @return the opened session, or {@link SessionRegistry.Refused} with {@code max_sessions} or
     *         {@code max_sessions_per_ip}; nothing was created then
     */
    SessionRegistry.Open open(SessionPolicy policy, long numericId, String transport, String remoteAddress,
                              String clientIp, SessionConnection first);

    /** The session with this id, or null once it has ended. No key is checked: for the node's own use. */
    Session find(String id);

    /**
     * The open resumable session with this id when {@code key} is its key, else null. The key is
     * compared in constant time, and an unknown id, an ended session and a wrong key give the
     * same null, so that a guesser learns nothing.
     */
    Session authenticate(String id, String key);

    /**
     * {@link #authenticate} then {@link #attach}: a resume, over any native transport.
     * {@code done} gets {@code session_not_found} (see {@link #authenticate} for why one code
     * covers every failure) or the outcome of the attach.
     */
    void resume(String id, String key, long lastSeq, SessionConnection c, Consumer<SessionRegistry.Attach> done);

    /**
     * Attaches a connection to a session, in the session's mailbox. {@code done} gets, exactly
     * once, either the events after {@code lastSeq} that the connection must send before anything
     * else (every later event reaches it live, after {@code done} returns), or a refusal:
     * {@code session_not_found} when the session has ended, {@code max_connections_per_session}
     * when it has its cap of connections.
     */
    void attach(Session s, SessionConnection c, long lastSeq, Consumer<SessionRegistry.Attach> done);

    /**
     * Detaches a connection; when it was the last one the session's lifetime decides what
     * follows (ends now, waits out its grace period, or lives until idle). Detaching a connection
     * that is not attached does nothing.
     */
    void detach(Session s, SessionConnection c);

    /**
     * Ends a session at once, from any thread: a find, resume or request after this returns sees
     * it gone. Its subscriptions, waiters and two-phase places go, its held locks too when
     * {@code releaseHeld} (else they run out with their leases), and each connection still
     * attached is told {@code session_closed}. Idempotent.
     */
    void close(Session s, boolean releaseHeld);

    /** Sessions open now (on this node). */
    int count();
}
