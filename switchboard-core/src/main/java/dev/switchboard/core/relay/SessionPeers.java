package dev.switchboard.core.relay;

import dev.switchboard.core.session.Session;
import dev.switchboard.core.session.SessionEnd;
import dev.switchboard.core.session.SessionLifecycleListener;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Keeps every session of the node registered in the {@link PeerDirectory} under its
 * {@link Session#peerId()} while it is reachable: from its opening to its end, except while a
 * session waits for a resume with no connection ({@code detached}: offline, and online again when
 * a connection attaches). A session without connections by nature (an HTTP session) is online
 * until it ends. When the identity of a session changes its peer id, the session moves to the new id.
 */
public final class SessionPeers implements SessionLifecycleListener {
    private final PeerDirectory directory;
    private final Map<Session, PeerDirectory.Claim> claims = new ConcurrentHashMap<>();

    public SessionPeers(PeerDirectory directory) {
        this.directory = directory;
    }

    /**
     * A session opened, a connection attached to it, or its identity was set: unless it is
     * detached, it answers to its peer id now.
     */
    @Override
    public void opened(Session s) {
        // Per session, atomically: a close racing an identity change cannot leave a claim behind.
        claims.compute(s, (k, held) -> {
            String peerId = s.peerId();
            boolean reachable = !"detached".equals(s.state()) && !s.isClosed();
            if (held != null && held.peerId().equals(peerId) && reachable) return held;
            if (held != null) held.close();
            if (!reachable) return null;
            PeerDirectory.Claimed claimed = directory.register(peerId, SessionPeers::displaced);
            return claimed instanceof PeerDirectory.Claim c ? c : null;
        });
    }

    @Override
    public void ended(Session s, SessionEnd why) {
        away(s);
    }

    /** The session lost its last connection and waits for a resume: offline until one attaches. */
    public void away(Session s) {
        claims.computeIfPresent(s, (k, held) -> {
            held.close();
            return null;
        });
    }

    /**
     * Another session took the peer id (newest wins). The session stays open: only presence reads
     * the directory so far, and to it the peer never went offline. (The direct-message feature
     * will close the displaced session with reason {@code replaced}.)
     */
    private static void displaced(String peerId) {
    }

    /** Sessions registered now (for tests that check nothing is left behind). */
    public int size() {
        return claims.size();
    }
}
