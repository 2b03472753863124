package dev.switchboard.core.session;

/**
 * How one kind of client's session behaves. There is one {@link Session} class; what differs
 * between a dflockd TCP connection, a native WebSocket client and an HTTP session is this policy,
 * chosen when the session is opened and kept for its life (a restart included).
 *
 * @param name          what admins and logs call this kind ({@code native}, {@code http},
 *                      {@code dflockd}, {@code dflockd-http}, {@code dflockd-sse})
 * @param lifetime      when the session ends on its own
 * @param lifetimeMs    the grace period ({@link Lifetime#GRACE}) or idle timeout ({@link Lifetime#IDLE})
 * @param serial        true: one request at a time, in arrival order (dflockd); false: requests
 *                      run concurrently and answer as they complete (native)
 * @param resumable     true: the session has a secret key, can be addressed over any native
 *                      transport with it, and is saved at a graceful stop
 * @param replay        true: events are numbered and kept in a bounded buffer for a resume or a
 *                      poll; false: events go to the attached connection or nowhere (dflockd)
 * @param caps          the session caps this kind counts against
 */
public record SessionPolicy(String name, Lifetime lifetime, long lifetimeMs, boolean serial, boolean resumable,
                            boolean replay, Caps caps) {

    /** When a session ends on its own (it always ends on an explicit close). */
    public enum Lifetime {
        /** With its one connection: dflockd's line protocol and its signal stream. */
        CONNECTION,
        /** A grace period after its last connection detaches, waiting for a resume. */
        GRACE,
        /**
         * When nothing has touched it for twice {@code lifetimeMs} and nothing is in flight (no
         * request pending, no stream or poll attached): dflockd's HTTP sessions and native HTTP
         * sessions.
         */
        IDLE
    }

    /**
     * A shared cap on how many sessions of some kinds may exist, in total and per client IP;
     * 0 is no cap. Sessions count against the {@code Caps} instance of their policy.
     */
    public record Caps(String name, int max, int maxPerIp) {
        public static final Caps NONE = new Caps("none", 0, 0);
    }
}
