package dev.switchboard.core.rpc;

import dev.switchboard.core.session.Session;
import dev.switchboard.core.time.NodeClock;
import dev.switchboard.protocol.Payload;
import dev.switchboard.protocol.Reply;
import io.netty.util.Timeout;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * One request on its way to a target: an {@code rpc.call} (tracked, with a deadline and exactly
 * one outcome) or an {@code rpc.notify} (untracked, no outcome). Its outcome is given once by
 * {@link RpcTracker#complete}; whatever comes after is dropped.
 */
public final class RpcCall {
    private final String rid;
    private final String name;
    private final Payload payload;
    private final boolean idempotent;
    private final boolean notify;
    private final Session caller;
    private final long timeoutMs;
    private final long deadlineNanos;
    private final long deadlineMillis;
    private final Consumer<Reply> outcome;
    private final AtomicBoolean done = new AtomicBoolean();
    private volatile Timeout timer;
    /** The backend session serving it now, or null (an in-process handler, or not routed yet). */
    private volatile String backend;
    private volatile String servedBy;
    private volatile boolean retried;
    /** Came from another node (a cluster engine): only this node's own targets may take it. */
    private volatile boolean fromAnotherNode;
    /** The chunks on their way to the caller when it asked for a stream; null otherwise. */
    private volatile ResponderStream stream;
    /** Completes with the outcome once it is given. */
    private final java.util.concurrent.CompletableFuture<Reply> ended = new java.util.concurrent.CompletableFuture<>();

    RpcCall(String rid, String name, Payload payload, boolean idempotent, boolean notify, Session caller,
            long timeoutMs, long nowNanos, long nowMillis, Consumer<Reply> outcome) {
        this.rid = rid;
        this.name = name;
        this.payload = payload;
        this.idempotent = idempotent;
        this.notify = notify;
        this.caller = caller;
        this.timeoutMs = timeoutMs;
        this.deadlineNanos = nowNanos + timeoutMs * 1_000_000L;
        this.deadlineMillis = nowMillis + timeoutMs;
        this.outcome = outcome;
    }

    /** The call's id on the node, which the backend echoes in {@code rpc.respond}; null for a notify. */
    public String rid() {
        return rid;
    }

    public String name() {
        return name;
    }

    public Payload payload() {
        return payload;
    }

    public boolean idempotent() {
        return idempotent;
    }

    public boolean isNotify() {
        return notify;
    }

    /** The caller's session, or null. */
    public Session caller() {
        return caller;
    }

    /** {@code {"session","transport"}} of the caller, as targets are told it; null without a caller session. */
    public java.util.Map<String, Object> callerFields() {
        Session c = caller;
        if (c == null) return null;
        java.util.Map<String, Object> m = new java.util.LinkedHashMap<>();
        m.put("session", c.id());
        m.put("transport", c.transport());
        return m;
    }

    long timeoutMs() {
        return timeoutMs;
    }

    long deadlineNanos() {
        return deadlineNanos;
    }

    /** How long the caller still waits by {@code clock}, in whole milliseconds, at least 1 (what a target is told). */
    public long timeLeftMs(NodeClock clock) {
        return Math.max(1, (deadlineNanos - clock.nanoTime()) / 1_000_000L);
    }

    long deadlineMillis() {
        return deadlineMillis;
    }

    /** True once the outcome is given. */
    public boolean isDone() {
        return done.get();
    }

    /** Claims the right to give the outcome: true once, for the first caller; its deadline is cancelled. */
    boolean claim() {
        if (!done.compareAndSet(false, true)) return false;
        Timeout t = timer;
        if (t != null) t.cancel();
        return true;
    }

    /** Gives the outcome; only after a successful {@link #claim()}. A stream learns that it has ended. */
    void deliver(Reply reply) {
        outcome.accept(reply);
        ResponderStream s = stream;
        if (s != null) s.ended(reply);
        ended.complete(reply);
    }

    /** Completes with the call's outcome once it is given, whoever gave it (a cluster engine learns that the caller went). */
    public java.util.concurrent.CompletionStage<Reply> ended() {
        return ended;
    }

    /**
     * Where the responder's chunks go when the caller asked for a stream (the caller's session,
     * for a cluster engine that forwards the call's chunks from another node); null otherwise.
     */
    public RpcStream chunksToCaller() {
        return stream;
    }

    /** The call's stream, or null when the caller did not ask for one. */
    ResponderStream stream() {
        return stream;
    }

    /** The caller asked for a stream (set before the call is routed). */
    void stream(ResponderStream s) {
        this.stream = s;
    }

    void timer(Timeout t) {
        this.timer = t;
        if (done.get()) t.cancel(); // finished while the timer was being set
    }

    String backend() {
        return backend;
    }

    void backend(String sessionId) {
        this.backend = sessionId;
        if (sessionId != null) this.servedBy = sessionId;
    }

    /** The last backend session the call was sent to, even after it went; null if none. */
    String servedBy() {
        return servedBy;
    }

    /**
     * True when another node sent this call here to be served by this node's own targets; a
     * target that forwards calls to other nodes must not take it (it would go round in circles).
     */
    public boolean fromAnotherNode() {
        return fromAnotherNode;
    }

    void markFromAnotherNode() {
        fromAnotherNode = true;
    }

    boolean retried() {
        return retried;
    }

    void markRetried() {
        retried = true;
    }

    @Override
    public String toString() {
        return "RpcCall{" + rid + " " + name + '}';
    }
}
