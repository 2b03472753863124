package dev.switchboard.core.session;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The connection a request came on: a TCP, Unix socket or WebSocket connection, or one HTTP
 * connection (which may carry many requests, one after another). When it closes, the requests
 * it is still waiting for are cancelled — only those: a session shared by several connections
 * keeps the others' requests — and a reply that arrives afterwards is undone (a grant released).
 */
public final class RequestOrigin {
    /** For requests whose answer cannot be lost with a connection (internal and test callers). */
    public static final RequestOrigin DETACHED = new RequestOrigin();

    private final Set<Request> pending = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;


    public boolean isClosed() {
        return closed;
    }

    /** Requests sent on this connection and not yet answered. */
    public int pendingCount() {
        return pending.size();
    }

    /** The connection is gone: its pending requests are cancelled. Safe to call more than once. */
    public void close() {
        if (this == DETACHED) return;
        closed = true;
        for (Request r : pending) r.cancel();
    }

    void track(Request r) {
        if (this == DETACHED) return;
        pending.add(r);
        if (closed) r.cancel(); // closed while the request was on its way in
    }

    void untrack(Request r) {
        pending.remove(r);
    }
}
