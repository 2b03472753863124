package dev.switchboard.core.relay;

import dev.switchboard.core.session.Session;
import dev.switchboard.core.session.SessionEnd;
import dev.switchboard.core.session.SessionLifecycleListener;
import dev.switchboard.protocol.Payload;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * Keeps every session of the node registered in the {@link PeerDirectory} under its
 * {@link Session#peerId()} while it is reachable: from its opening to its end, except while a
 * session waits for a resume with no connection ({@code detached}: offline, and online again when
 * a connection attaches). A session without connections by nature (an HTTP session) is online
 * until it ends. When the identity of a session changes its peer id, the session moves to the new id.
 * A session displaced from its peer id by a newer one (newest wins) is handed to
 * {@code onReplaced}, which closes it with reason {@code replaced}, when its identity names one
 * peer ({@link dev.switchboard.core.identity.Identity#uniquePeer()}).
 */
public final class SessionPeers implements SessionLifecycleListener {
    private final PeerDirectory directory;
    private final Map<Session, PeerDirectory.Claim> claims = new ConcurrentHashMap<>();
    private final Consumer<Session> onReplaced;
    /** Sessions displaced by a registration, closed once that registration's update is done. */
    private final java.util.Queue<Session> displaced = new java.util.concurrent.ConcurrentLinkedQueue<>();

    /**
     * Sessions waiting for a resume, by peer id (newest wins), and the id each is filed under: what
     * a message asking for a receipt can still reach. Both maps lose a session when a connection
     * attaches to it or it ends, so they hold at most the node's sessions.
     */
    private final Map<String, Session> detached = new ConcurrentHashMap<>();
    private final Map<Session, String> detachedIds = new ConcurrentHashMap<>();

    /** Takes a receipt-asking message from another node for a session here ({@link DirectMessages}). */
    interface ReceiptAskingReceiver {
        Runnable deliver(Session receiver, String fromPeerId, Payload payload, String ackId,
                         Consumer<Receipt.Status> outcome);
    }

    private volatile ReceiptAskingReceiver receiptAsking = (s, from, payload, ackId, outcome) -> null;

    void receiptsFromOtherNodes(ReceiptAskingReceiver receiver) {
        this.receiptAsking = receiver;
    }

    public SessionPeers(PeerDirectory directory, Consumer<Session> onReplaced) {
        this.directory = directory;
        this.onReplaced = onReplaced;
    }

    /**
     * A session opened, a connection attached to it, or its identity was set: unless it is
     * detached, it answers to its peer id now.
     */
    @Override
    public void opened(Session s) {
        undetach(s);
        // Per session, atomically: a close racing an identity change cannot leave a claim behind.
        claims.compute(s, (k, held) -> {
            String peerId = s.peerId();
            boolean reachable = !"detached".equals(s.state()) && !s.isClosed();
            if (held != null && held.peerId().equals(peerId) && reachable) return held;
            if (held != null) held.close();
            if (!reachable) return null;
            PeerDirectory.Claimed claimed = directory.register(peerId, new SessionEndpoint(s));
            return claimed instanceof PeerDirectory.Claim c ? c : null;
        });
        // Not inside compute: closing a displaced session updates this map under its own key.
        for (Session d; (d = displaced.poll()) != null; ) {
            if (!d.isClosed()) onReplaced.accept(d);
        }
    }

    @Override
    public void ended(Session s, SessionEnd why) {
        claims.computeIfPresent(s, (k, held) -> {
            held.close();
            return null;
        });
        undetach(s);
    }

    /** The session lost its last connection and waits for a resume: offline until one attaches. */
    public void away(Session s) {
        claims.computeIfPresent(s, (k, held) -> {
            held.close();
            return null;
        });
        synchronized (detached) {
            if (s.isClosed() || !"detached".equals(s.state())) return;
            String peerId = s.peerId();
            detachedIds.put(s, peerId);
            detached.put(peerId, s);
        }
    }

    private void undetach(Session s) {
        synchronized (detached) {
            String peerId = detachedIds.remove(s);
            if (peerId != null) detached.remove(peerId, s);
        }
    }

    /**
     * The session of this node answering to {@code peerId}: the online one, else one waiting for a
     * resume (which keeps what it is sent for the resume). Empty when neither.
     */
    public java.util.Optional<Session> session(String peerId) {
        java.util.Optional<PeerEndpoint> online = directory.find(peerId);
        if (online.isPresent()) {
            return online.get() instanceof SessionEndpoint e ? java.util.Optional.of(e.session) : java.util.Optional.empty();
        }
        Session waiting = detached.get(peerId);
        return waiting == null || waiting.isClosed() ? java.util.Optional.empty() : java.util.Optional.of(waiting);
    }

    /** Sessions waiting for a resume that a receipt-asking message can reach (for leak checks). */
    public int detachedCount() {
        return detached.size();
    }

    /** A session as the directory's endpoint: messages become its events. */
    private final class SessionEndpoint implements PeerEndpoint {
        private final Session session;

        SessionEndpoint(Session session) {
            this.session = session;
        }

        /**
         * Another session took the peer id (newest wins). Called during the newer session's
         * registration, inside its update of the claims: the close waits for that update to end
         * ({@link #opened}). The close's cleanup then finds this claim displaced and removes
         * nothing from the directory (compare-and-delete).
         */
        @Override
        public void displaced(String peerId) {
            // Only an identity naming one peer is exclusive; a shared one (a plain ACL entry) keeps
            // its older sessions open: they are no longer reached by the id, but they still serve.
            if (peerId.equals(session.peerId()) && session.identity().uniquePeer()) displaced.add(session);
        }

        @Override
        public boolean deliver(String fromPeerId, Payload payload) {
            return session.emit(new DirectMessage(fromPeerId, payload));
        }

        @Override
        public Runnable deliverAskingReceipt(String fromPeerId, Payload payload, String ackId,
                                             Consumer<Receipt.Status> outcome) {
            return receiptAsking.deliver(session, fromPeerId, payload, ackId, outcome);
        }
    }

    /** Sessions registered now (for tests that check nothing is left behind). */
    public int size() {
        return claims.size();
    }
}
