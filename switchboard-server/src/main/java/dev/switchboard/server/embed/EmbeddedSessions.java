package dev.switchboard.server.embed;

import dev.switchboard.protocol.Subjects;
import dev.switchboard.core.session.Session;
import dev.switchboard.core.session.SessionConnection;
import dev.switchboard.core.session.SessionEnd;
import dev.switchboard.core.session.SessionRegistry;
import dev.switchboard.core.session.store.SessionRecord;
import dev.switchboard.protocol.Payload;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.RejectedExecutionException;

/**
 * The embedding program's hand on the node's resumable sessions ({@code Switchboard.sessions()}):
 * push named messages, close sessions, count them, and run code serialized with a session's
 * requests. Every method is thread-safe and returns without waiting for a client.
 */
public final class EmbeddedSessions {
    /** Bytes of a notify event besides its name and payload, kept out of the frame limit check. */
    private static final int NOTIFY_OVERHEAD = 64;

    private final SessionRegistry registry;
    private final HookRunner runner;
    private final ConnectionDirectory connections;
    private final boolean releaseHeldOnClose;
    private final int maxFrameBytes;

    EmbeddedSessions(SessionRegistry registry, HookRunner runner, ConnectionDirectory connections,
                     boolean releaseHeldOnClose, int maxFrameBytes) {
        this.registry = registry;
        this.runner = runner;
        this.connections = connections;
        this.releaseHeldOnClose = releaseHeldOnClose;
        this.maxFrameBytes = maxFrameBytes;
    }

    /**
     * Sends {@code {"op":"notify","name":name,payload,"seq":n}} to every connection of the
     * session; the event is numbered and kept for replay like every session event, so a client
     * that resumes gets what it missed. False when there is no such open session.
     *
     * @param name    a dot-separated name without wildcards ({@code chat.message})
     * @param payload text, a JSON value or bytes (see {@link dev.switchboard.protocol.PayloadFields})
     * @throws IllegalArgumentException for a bad name, or a message larger than {@code --max-frame-bytes}
     */
    public boolean send(String sessionId, String name, Payload payload) {
        checkNotify(name, payload);
        Session s = live(sessionId);
        return s != null && s.emit(Notifications.notify(name, payload));
    }

    /**
     * Sends {@code {"op":"notify","name":name,payload}} (no {@code seq}: it is not kept for
     * replay) to one connection. It is not ordered with the session's numbered events. False when
     * there is no such connection (it closed, or is not a native client connection).
     */
    public boolean sendToConnection(long connectionId, String name, Payload payload) {
        checkNotify(name, payload);
        SessionConnection c = connections.find(connectionId);
        return c != null && c.deliver(0, Notifications.notify(name, payload)) == SessionConnection.Delivery.ACCEPTED;
    }

    /**
     * Ends the session across all its connections: each gets
     * {@code {"op":"error","error":{"code":"session_closed","message":reason}}}, then closes; its
     * locks are released (unless {@code --no-auto-release}) and the session-closed hook hears
     * {@link SessionEnd#CLOSED_BY_SERVER}. False when there is no such open session.
     */
    public boolean closeSession(String sessionId, String reason) {
        Session s = live(sessionId);
        if (s == null) return false;
        registry.close(s, releaseHeldOnClose, SessionEnd.CLOSED_BY_SERVER,
                reason == null || reason.isBlank() ? "the session was closed by the server" : reason);
        return true;
    }

    /** Resumable sessions open on this node, detached ones (waiting for a resume) included. */
    public int activeSessions() {
        int n = 0;
        for (Session s : registry.all()) {
            if (s.resumable() && !s.isClosed()) n++;
        }
        return n;
    }

    /** Connections attached to the session now, or -1 when there is no such open session. */
    public int connectionCount(String sessionId) {
        Session s = live(sessionId);
        return s == null ? -1 : s.connectionCount();
    }

    /**
     * The session as a {@link dev.switchboard.core.session.store.SessionStore} keeps it (never the
     * key, only its verifier): what an embedder's durable store saves after a change, for its
     * {@link dev.switchboard.core.session.store.SessionLookup}. Empty when there is no such open session.
     */
    public Optional<SessionRecord> record(String sessionId) {
        Session s = live(sessionId);
        return s == null ? Optional.empty() : Optional.of(registry.snapshot(s));
    }

    /**
     * Runs {@code task} serialized with the session's request processing: it starts once every
     * request the session received before this call has been handed to its handler, and no
     * request received after it is handed over until the task has returned (replies that come
     * later, such as a lock granted after a wait, are not waited for). Tasks of one session run one
     * at a time, in call order, on the hook threads (see {@link EmbeddingHooks}). What the task
     * emits through its {@link SessionHandle} reaches every attached connection.
     *
     * <p>The stage fails with {@link UnknownSessionException} when there is no such open session
     * (or it ends before the task's turn), with {@link RejectedExecutionException} when the hook
     * queue is full, and with what the task throws. A task must not wait for another task of its
     * own session: that one runs after it.
     */
    public <T> CompletionStage<T> executeInSession(String sessionId, SessionTask<T> task) {
        Objects.requireNonNull(task, "task");
        Session s = live(sessionId);
        if (s == null) return CompletableFuture.failedFuture(new UnknownSessionException(sessionId));
        CompletableFuture<T> result = new CompletableFuture<>();
        s.runExclusive(() -> {
            boolean queued = runner.submit(s.id(), "execute_in_session", () -> {
                T value = null;
                Throwable failure = null;
                try {
                    if (s.isClosed()) {
                        failure = new UnknownSessionException(sessionId);
                    } else {
                        value = task.run(new SessionHandle(s, this));
                    }
                } catch (Throwable t) {
                    failure = t;
                } finally {
                    // Before completing: what the caller chains on the stage must not run inside the session's turn.
                    s.exclusiveDone();
                }
                if (failure != null) result.completeExceptionally(failure);
                else result.complete(value);
            });
            if (!queued) {
                s.exclusiveDone();
                result.completeExceptionally(new RejectedExecutionException(
                        "the hook queue is full (--hook-queue-size); executeInSession refused"));
            }
        });
        return result;
    }

    void checkNotify(String name, Payload payload) {
        Objects.requireNonNull(payload, "payload");
        String bad = Subjects.channelError(name);
        if (bad != null) throw new IllegalArgumentException("bad notify name: " + bad);
        long size = (long) name.length() + payload.size() + NOTIFY_OVERHEAD;
        if (payload.kind() == Payload.Kind.BINARY) size += payload.size() / 3 + 4; // base64 on JSON framings
        if (size > maxFrameBytes) {
            throw new IllegalArgumentException("a notify message of " + size + " bytes is larger than --max-frame-bytes ("
                    + maxFrameBytes + ")");
        }
    }

    /** The open resumable session with this id, else null. */
    private Session live(String sessionId) {
        Session s = registry.find(sessionId);
        return s != null && s.resumable() && !s.isClosed() ? s : null;
    }
}
