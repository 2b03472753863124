package dev.switchboard.core.session;

/**
 * Told when sessions begin and end (the embedding API turns these into its hooks). Called on the
 * thread that opens or ends the session (often a connection's I/O thread): an implementation must
 * return at once and do its work elsewhere.
 */
public interface SessionLifecycleListener {
    SessionLifecycleListener NONE = new SessionLifecycleListener() {
        @Override
        public void opened(Session s) {
        }

        @Override
        public void ended(Session s, SessionEnd why) {
        }
    };

    /** A new session was opened (not one restored after a restart or found by a lookup). */
    void opened(Session s);

    /** A session ended, once per session. */
    void ended(Session s, SessionEnd why);
}
