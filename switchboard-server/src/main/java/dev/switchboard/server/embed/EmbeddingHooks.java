package dev.switchboard.server.embed;

import dev.switchboard.core.session.store.SessionLookup;

/**
 * The embedding program's hooks, as the node's builder collects them ({@code onConnect},
 * {@code onDisconnect}, {@code onSessionCreated}, {@code onSessionClosed}, {@code sessionLookup}),
 * and the bounded executor they run on.
 *
 * <p><b>The hook executor.</b> Hooks, session lookups and {@code executeInSession} tasks run on
 * {@code threads} daemon threads named {@code switchboard-hooks-N}, never on an I/O thread. The
 * calls for one session run one at a time, in the order they were made (created, connect,
 * disconnect, closed); different sessions' calls run in parallel. At most {@code queueSize} calls
 * wait or run at once over the node: one more is refused and counted in
 * {@code switchboard_limit_hits_total{limit="hook_queue_size"}} — a connect hook's connection is
 * then refused with {@code too_many_requests}, a resume that needed a lookup fails as an unknown
 * session, an {@code executeInSession} stage fails with
 * {@link java.util.concurrent.RejectedExecutionException}, and a notification hook is skipped. A
 * slow hook holds one thread and the later calls of its own session; the I/O threads and the other
 * sessions' requests never wait for it.
 */
public record EmbeddingHooks(ConnectHook onConnect, DisconnectHook onDisconnect, SessionCreatedHook onSessionCreated,
                             SessionClosedHook onSessionClosed, SessionLookup sessionLookup, int threads, int queueSize) {
    public static final int DEFAULT_THREADS = 4;
    public static final int DEFAULT_QUEUE_SIZE = 4096;
    public static final EmbeddingHooks NONE = new EmbeddingHooks(null, null, null, null, null, DEFAULT_THREADS, DEFAULT_QUEUE_SIZE);

    public EmbeddingHooks {
        if (threads < 1) throw new IllegalArgumentException("hook threads must be at least 1, got " + threads);
        if (queueSize < 1) throw new IllegalArgumentException("--hook-queue-size must be at least 1, got " + queueSize);
    }

    public EmbeddingHooks withOnConnect(ConnectHook h) {
        return new EmbeddingHooks(h, onDisconnect, onSessionCreated, onSessionClosed, sessionLookup, threads, queueSize);
    }

    public EmbeddingHooks withOnDisconnect(DisconnectHook h) {
        return new EmbeddingHooks(onConnect, h, onSessionCreated, onSessionClosed, sessionLookup, threads, queueSize);
    }

    public EmbeddingHooks withOnSessionCreated(SessionCreatedHook h) {
        return new EmbeddingHooks(onConnect, onDisconnect, h, onSessionClosed, sessionLookup, threads, queueSize);
    }

    public EmbeddingHooks withOnSessionClosed(SessionClosedHook h) {
        return new EmbeddingHooks(onConnect, onDisconnect, onSessionCreated, h, sessionLookup, threads, queueSize);
    }

    public EmbeddingHooks withSessionLookup(SessionLookup l) {
        return new EmbeddingHooks(onConnect, onDisconnect, onSessionCreated, onSessionClosed, l, threads, queueSize);
    }

    public EmbeddingHooks withThreads(int n) {
        return new EmbeddingHooks(onConnect, onDisconnect, onSessionCreated, onSessionClosed, sessionLookup, n, queueSize);
    }

    public EmbeddingHooks withQueueSize(int n) {
        return new EmbeddingHooks(onConnect, onDisconnect, onSessionCreated, onSessionClosed, sessionLookup, threads, n);
    }
}
