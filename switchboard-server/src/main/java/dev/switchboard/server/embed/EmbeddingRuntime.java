package dev.switchboard.server.embed;

import dev.switchboard.core.session.Session;
import dev.switchboard.core.session.SessionConnection;
import dev.switchboard.core.session.SessionEnd;
import dev.switchboard.core.session.SessionLifecycleListener;
import dev.switchboard.core.session.SessionRegistry;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Consumer;

/**
 * A node's side of the embedding API: runs the embedding program's hooks on the hook executor
 * when sessions open and end and native connections come and go, and offers
 * {@link EmbeddedSessions}. Created by the node whether or not hooks are set (the hook threads
 * start only when first needed).
 */
public final class EmbeddingRuntime implements SessionLifecycleListener, AutoCloseable {
    private final EmbeddingHooks hooks;
    private final SessionRegistry registry;
    private final HookRunner runner;
    private final ConnectionDirectory connections = new ConnectionDirectory();
    private final EmbeddedSessions sessions;

    /**
     * @param onQueueFull counts a call refused because the hook queue is full
     * @param onFailure   counts a hook that threw, by the hook's name
     */
    public EmbeddingRuntime(EmbeddingHooks hooks, SessionRegistry registry, boolean releaseHeldOnClose, int maxFrameBytes,
                            Runnable onQueueFull, Consumer<String> onFailure) {
        this.hooks = hooks;
        this.registry = registry;
        this.runner = new HookRunner(hooks.threads(), hooks.queueSize(), onQueueFull, onFailure);
        this.sessions = new EmbeddedSessions(registry, runner, connections, releaseHeldOnClose, maxFrameBytes);
        registry.onLifecycle(this);
        if (hooks.sessionLookup() != null) registry.lookUpMissingWith(hooks.sessionLookup(), lookupExecutor());
    }

    /**
     * Resumes of sessions this node does not hold go to {@code lookup}, on the hook threads and
     * against the hook queue (the cluster's lookup, when the embedding program set none).
     */
    public void lookUpMissingWith(dev.switchboard.core.session.store.SessionLookup lookup) {
        registry.lookUpMissingWith(lookup, lookupExecutor());
    }

    public EmbeddedSessions sessions() {
        return sessions;
    }

    /** Lookups run on the hook threads, counted against the hook queue; a full queue refuses them. */
    private Executor lookupExecutor() {
        return task -> {
            if (!runner.submit(null, "session_lookup", task)) {
                throw new RejectedExecutionException("the hook queue is full");
            }
        };
    }

    // ---- connections ------------------------------------------------------------------------------

    /**
     * Asks the connect hook about a connection for {@code s}; {@code decision} gets the answer once:
     * inline when there is no hook, else on a hook thread.
     */
    public void admit(Session s, long connectionId, String transport, String remoteAddress, boolean resumed,
                      Consumer<ConnectDecision> decision) {
        ConnectHook hook = hooks.onConnect();
        if (hook == null) {
            decision.accept(ConnectDecision.accept());
            return;
        }
        boolean queued = runner.submit(s.id(), "connect", () -> {
            ConnectDecision d;
            try {
                d = hook.onConnect(new ConnectInfo(s.id(), connectionId, transport, remoteAddress, s.attributes(), resumed));
            } catch (Throwable t) {
                runner.failed("connect", t); // never costs the client its connection
                d = null;
            }
            decision.accept(d == null ? ConnectDecision.accept() : d);
        });
        if (!queued) {
            decision.accept(ConnectDecision.refuse("too_many_requests",
                    "the server cannot check new connections now (--hook-queue-size); try again"));
        }
    }

    /** An accepted connection got its welcome: it can be addressed by number. */
    public void connected(long connectionId, SessionConnection c) {
        connections.add(connectionId, c);
    }

    /** An accepted connection left its session. */
    public void disconnected(long connectionId, SessionConnection c, String sessionId, String reason) {
        connections.remove(connectionId, c);
        DisconnectHook hook = hooks.onDisconnect();
        if (hook == null) return;
        DisconnectInfo info = new DisconnectInfo(sessionId, connectionId, c.transport(), c.remoteAddress(), reason);
        runner.submit(sessionId, "disconnect", () -> call(() -> hook.onDisconnect(info)));
    }

    // ---- sessions -----------------------------------------------------------------------------------

    @Override
    public void opened(Session s) {
        SessionCreatedHook hook = hooks.onSessionCreated();
        if (hook == null || !s.resumable()) return;
        SessionCreated created = new SessionCreated(s.id(), s.transport(), s.remoteAddress(), registry.snapshot(s));
        runner.submit(s.id(), "session_created", () -> call(() -> hook.onSessionCreated(created)));
    }

    @Override
    public void ended(Session s, SessionEnd why) {
        SessionClosedHook hook = hooks.onSessionClosed();
        if (hook == null || !s.resumable()) return;
        SessionClosed closed = new SessionClosed(s.id(), why, s.attributes());
        runner.submit(s.id(), "session_closed", () -> call(() -> hook.onSessionClosed(closed)));
    }

    private interface HookCall {
        void run() throws Exception;
    }

    /** Runs a hook; what it throws goes to the runner, which logs and counts it. */
    private static void call(HookCall c) {
        try {
            c.run();
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new java.util.concurrent.CompletionException(e);
        }
    }

    /** Lets the hooks already queued run (up to 5 s), then stops the hook threads. */
    @Override
    public void close() {
        runner.close();
    }
}
