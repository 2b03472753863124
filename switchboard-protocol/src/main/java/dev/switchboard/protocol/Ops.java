package dev.switchboard.protocol;

/**
 * The {@code op} names of the native protocol, as they appear on the wire. Constants rather than
 * an enum so that either end can {@code switch} on the string it read without a lookup, and an
 * op this version does not know stays a plain string (answered with {@code unknown_op}, or
 * ignored by a client).
 */
public final class Ops {
    // Connection: handshake, answers and heartbeats.
    public static final String HELLO = "hello";
    public static final String WELCOME = "welcome";
    public static final String REPLY = "reply";
    public static final String ERROR = "error";
    public static final String PING = "ping";
    public static final String PONG = "pong";
    /** A newer token for the session's identity, on a live connection (see docs/identity.md). */
    public static final String AUTH_REFRESH = "auth.refresh";
    /** Event: the session's token expires soon, {@code {expires_at}} in epoch milliseconds; answer with {@link #AUTH_REFRESH}. */
    public static final String TOKEN_EXPIRING = "token.expiring";

    // Locks.
    public static final String LOCK_ACQUIRE = "lock.acquire";
    public static final String LOCK_ENQUEUE = "lock.enqueue";
    public static final String LOCK_WAIT = "lock.wait";
    public static final String LOCK_RENEW = "lock.renew";
    public static final String LOCK_RELEASE = "lock.release";
    public static final String LOCK_CANCEL = "lock.cancel";

    // Semaphores: the same operations in their own namespace, each carrying the limit.
    public static final String SEM_ACQUIRE = "sem.acquire";
    public static final String SEM_ENQUEUE = "sem.enqueue";
    public static final String SEM_WAIT = "sem.wait";
    public static final String SEM_RENEW = "sem.renew";
    public static final String SEM_RELEASE = "sem.release";
    public static final String SEM_CANCEL = "sem.cancel";

    // Signals.
    public static final String SIGNAL_LISTEN = "signal.listen";
    public static final String SIGNAL_UNLISTEN = "signal.unlisten";
    public static final String SIGNAL_PUBLISH = "signal.publish";

    // The session itself.
    public static final String SESSION_INFO = "session.info";
    public static final String SESSION_SET = "session.set";
    public static final String SESSION_CLOSE = "session.close";

    public static final String STATS = "stats";

    // Events: server messages with a seq and no id.
    public static final String SIGNAL = "signal";
    public static final String LOCK_LOST = "lock.lost";
    public static final String GAP = "gap";

    private Ops() {
    }
}
