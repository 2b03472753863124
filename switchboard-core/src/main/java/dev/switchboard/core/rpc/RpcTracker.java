package dev.switchboard.core.rpc;

import dev.switchboard.core.session.Session;
import dev.switchboard.core.time.NodeClock;
import dev.switchboard.protocol.ErrorCode;
import dev.switchboard.protocol.Payload;
import dev.switchboard.protocol.Reply;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

/**
 * The calls in flight on a node, by rid: each gets a deadline on the node's timer and exactly one
 * outcome, whichever comes first — the answer, an error, the deadline, its backend going, the
 * drain's deadline. A response that comes after the outcome is refused and counted as late. The
 * number of calls in flight is bounded node-wide.
 */
public final class RpcTracker {
    /** The outcomes counted in {@code switchboard_rpc_calls_total{outcome}}. */
    public static final List<String> OUTCOMES = List.of("result", "application_error", "timeout", "no_responders",
            "disconnected", "shutting_down", "internal", "cancelled", "too_many_requests", "webhook_failed");

    private final NodeClock clock;
    private final int maxInFlight;
    private final Map<String, RpcCall> calls = new ConcurrentHashMap<>();
    /** The calls each backend session is serving, so that its going fails just those. */
    private final Map<String, Set<RpcCall>> byBackend = new ConcurrentHashMap<>();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final Map<String, LongAdder> outcomes = new ConcurrentHashMap<>();
    private final LongAdder lateReplies = new LongAdder();
    private final AtomicLong nextRid = new AtomicLong();
    private final String ridPrefix;
    private volatile Consumer<String> limitHits = limit -> { };
    private volatile boolean draining;

    public RpcTracker(NodeClock clock, int maxInFlight) {
        this.clock = clock;
        this.maxInFlight = maxInFlight;
        for (String o : OUTCOMES) outcomes.put(o, new LongAdder());
        // Unique across restarts of the node, so that a backend's response to a call of the last
        // run never matches a new one.
        this.ridPrefix = Long.toHexString(System.nanoTime() ^ clock.currentTimeMillis() << 20) + "-";
    }

    /**
     * A call made and admitted: tracked, with its deadline set. Null (nothing tracked, the
     * outcome given already) when it is refused: {@code shutting_down} while draining,
     * {@code too_many_requests} over the bound.
     */
    public RpcCall start(String name, Payload payload, boolean idempotent, Session caller, long timeoutMs,
                         Consumer<Reply> outcome) {
        return admit(new RpcCall(nextRid(), name, payload, idempotent, false, caller, timeoutMs, clock.nanoTime(),
                clock.currentTimeMillis(), outcome), timeoutMs);
    }

    /**
     * As {@link #start(String, Payload, boolean, Session, long, Consumer)}, for a call whose outcome
     * goes elsewhere than to its caller (a response hook, which needs the call's rid and name):
     * a refusal at the start goes to {@code refused} (the caller, who is still there to hear it),
     * the outcome of an admitted call to {@code outcome}.
     */
    public RpcCall start(String name, Payload payload, boolean idempotent, Session caller, long timeoutMs,
                         Consumer<Reply> refused, BiConsumer<RpcCall, Reply> outcome) {
        AtomicReference<RpcCall> admitted = new AtomicReference<>();
        RpcCall call = new RpcCall(nextRid(), name, payload, idempotent, false, caller, timeoutMs, clock.nanoTime(),
                clock.currentTimeMillis(), reply -> {
                    RpcCall c = admitted.get();
                    if (c == null) refused.accept(reply); else outcome.accept(c, reply);
                });
        // Admitted before its deadline is set, so that no outcome can come before this is known.
        return admit(call, timeoutMs, () -> admitted.set(call));
    }

    private String nextRid() {
        return ridPrefix + Long.toHexString(nextRid.incrementAndGet());
    }

    private RpcCall admit(RpcCall call, long timeoutMs) {
        return admit(call, timeoutMs, () -> { });
    }

    private RpcCall admit(RpcCall call, long timeoutMs, Runnable onAdmitted) {
        if (draining) {
            refuse(call, RpcReplies.shuttingDown());
            return null;
        }
        if (inFlight.incrementAndGet() > maxInFlight) {
            inFlight.decrementAndGet();
            limitHits.accept("rpc_max_in_flight");
            refuse(call, Reply.error(ErrorCode.TOO_MANY_REQUESTS, "the server has " + maxInFlight
                    + " calls in flight already (--rpc-max-in-flight); try again later"));
            return null;
        }
        onAdmitted.run();
        calls.put(call.rid(), call);
        call.timer(clock.timer().newTimeout(t -> complete(call, RpcReplies.timeout(timeoutMs)),
                timeoutMs, TimeUnit.MILLISECONDS));
        return call;
    }

    private void refuse(RpcCall call, Reply reply) {
        call.claim();
        count(reply);
        call.deliver(reply);
    }

    /** A notify: untracked (no deadline, no outcome), with the caller's context for its target. */
    public RpcCall notice(String name, Payload payload, Session caller) {
        return new RpcCall(null, name, payload, false, true, caller, 0, clock.nanoTime(), clock.currentTimeMillis(),
                r -> { });
    }

    /** Gives the call its outcome; false (nothing happens) when it had one already. */
    public boolean complete(RpcCall call, Reply reply) {
        if (call.isNotify() || !call.claim()) return false;
        // Out of the books before the caller hears: its next call must find the room this one left.
        untrack(call);
        count(reply);
        call.deliver(reply);
        return true;
    }

    /**
     * A backend's response to {@code rid}: the outcome of the call when the call is in flight and
     * {@code responder} is the session it was sent to. Else false, counted as a late reply: the call
     * ended already (its deadline, its caller gone), or it never went to this responder.
     */
    public boolean respond(String rid, String responder, Reply reply) {
        RpcCall call = calls.get(rid);
        if (call != null && responder.equals(call.backend()) && complete(call, reply)) return true;
        lateReplies.increment();
        return false;
    }

    /** The call in flight under {@code rid}, or null. */
    RpcCall find(String rid) {
        return calls.get(rid);
    }

    /** Counts a response that found no call waiting for it (as {@link #respond} does). */
    void lateReply() {
        lateReplies.increment();
    }

    /** The call now waits for {@code backendSession}. */
    void servedBy(RpcCall call, String backendSession) {
        call.backend(backendSession);
        byBackend.computeIfAbsent(backendSession, k -> ConcurrentHashMap.newKeySet()).add(call);
        if (call.isDone()) untrackBackend(call, backendSession); // ended meanwhile
    }

    /** The calls {@code backendSession} is serving, which no longer wait for it. */
    List<RpcCall> takeServedBy(String backendSession) {
        Set<RpcCall> mine = byBackend.remove(backendSession);
        if (mine == null) return List.of();
        List<RpcCall> out = new ArrayList<>();
        for (RpcCall c : mine) {
            if (!c.isDone() && backendSession.equals(c.backend())) {
                c.backend(null);
                out.add(c);
            }
        }
        return out;
    }

    private void untrack(RpcCall call) {
        if (calls.remove(call.rid(), call)) inFlight.decrementAndGet();
        String b = call.backend();
        if (b != null) untrackBackend(call, b);
    }

    private void untrackBackend(RpcCall call, String backendSession) {
        byBackend.computeIfPresent(backendSession, (k, set) -> {
            set.remove(call);
            return set.isEmpty() ? null : set;
        });
    }

    private void count(Reply reply) {
        String o = !reply.isError() ? "result"
                : reply.error() == ErrorCode.APPLICATION ? "application_error" : reply.error().wire();
        outcomes.computeIfAbsent(OUTCOMES.contains(o) ? o : "internal", k -> new LongAdder()).increment();
    }

    /** True once a drain has begun. */
    public boolean draining() {
        return draining;
    }

    /** From now on a new call is refused {@code shutting_down}; calls in flight go on. */
    public void startDraining() {
        draining = true;
    }

    /** Fails every call still in flight with {@code shutting_down} (the drain's deadline has come). */
    public int failAll() {
        int n = 0;
        for (RpcCall c : List.copyOf(calls.values())) {
            if (complete(c, RpcReplies.shuttingDown())) n++;
        }
        return n;
    }

    /** Calls in flight now. */
    public int inFlight() {
        return inFlight.get();
    }

    /** Calls that ended with {@code outcome} (one of {@link #OUTCOMES}). */
    public long outcomes(String outcome) {
        LongAdder a = outcomes.get(outcome);
        return a == null ? 0 : a.sum();
    }

    /** Responses that came after their call had ended, or to a call never sent to their sender. */
    public long lateReplies() {
        return lateReplies.sum();
    }

    /** Where the tracker reports hitting its bound, by the limit's name ({@code rpc_max_in_flight}). */
    public void onLimitHit(Consumer<String> counter) {
        this.limitHits = counter;
    }
}
