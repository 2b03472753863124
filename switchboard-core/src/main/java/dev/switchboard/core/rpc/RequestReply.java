package dev.switchboard.core.rpc;

import dev.switchboard.core.Dispatcher;
import dev.switchboard.core.pubsub.Broker;
import dev.switchboard.core.session.Session;
import dev.switchboard.core.session.SessionDirectory;
import dev.switchboard.core.session.SessionRegistry;
import dev.switchboard.core.time.NodeClock;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Request/reply on one node: the tracker, the targets in lookup order (in-process handlers, then
 * backend services, then the webhooks the server plugs in), the response hooks, and the
 * operations that feed them. The session
 * registry tells it when a backend session comes and goes ({@link #attached}, {@link #away},
 * {@link #ended}).
 */
public final class RequestReply implements SessionRegistry.Presence {
    private final RpcSettings settings;
    private final RpcTracker tracker;
    private final ServiceRegistry registry;
    private final BackendServices backends;
    private final InProcessTarget inProcess;
    private final List<RpcTarget> targets = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final ResponseHooks hooks;
    /** Consulted after every other target (the server's HTTP webhooks); none until the server sets them. */
    private volatile RpcTarget webhooks = NO_TARGET;
    private volatile Consumer<String> limitHits = limit -> { };
    /** The other nodes of a cluster, for request-many; null on one node. */
    private volatile OtherNodes otherNodes;
    private final java.util.concurrent.atomic.LongAdder chunksTaken = new java.util.concurrent.atomic.LongAdder();

    private static final RpcTarget NO_TARGET = new RpcTarget() {
        @Override
        public boolean call(RpcCall call) {
            return false;
        }

        @Override
        public boolean notify(RpcCall notice) {
            return false;
        }
    };

    /**
     * @param sessions where a response hook's session is found
     * @param broker   where a response hook's topic is published
     */
    public RequestReply(RpcSettings settings, NodeClock clock, SessionDirectory sessions, Broker broker) {
        this(settings, clock, sessions, broker, new InMemoryServiceRegistry(settings.maxServedPerSession(), 0));
    }

    /** @param registry who serves which names (the in-memory registry, or a cluster's) */
    public RequestReply(RpcSettings settings, NodeClock clock, SessionDirectory sessions, Broker broker,
                        ServiceRegistry registry) {
        this.settings = settings;
        this.tracker = new RpcTracker(clock, settings.maxInFlight());
        this.registry = registry;
        this.backends = new BackendServices(registry, tracker, clock, settings.maxServedPerSession());
        this.inProcess = new InProcessTarget(settings.handlers(), tracker, clock);
        this.targets.add(inProcess);
        this.targets.add(backends);
        this.hooks = new ResponseHooks(sessions, broker);
    }

    /** The patterns of the embedding program's in-process request handlers, in lookup order. */
    public List<String> handlerPatterns() {
        return settings.handlers().requestPatterns();
    }

    /** The patterns of the embedding program's in-process notify handlers. */
    public List<String> notifyHandlerPatterns() {
        return settings.handlers().signalPatterns();
    }

    /**
     * Adds a kind of target after those already there (the server's acomm backends, say): it is
     * asked for names that nothing before it serves, before the webhooks.
     */
    public void addTarget(RpcTarget target) {
        targets.add(target);
    }

    /** The target consulted after every other, before {@code no_responders}: the server's webhooks. */
    public void useWebhooks(RpcTarget target) {
        this.webhooks = target == null ? NO_TARGET : target;
    }

    /** How URL response hooks go out, and which URLs may be used; without it every URL hook is refused. */
    public void useUrlHooks(ResponseHooks.UrlPoster poster) {
        hooks.useUrls(poster);
    }

    /** The response hooks ({@code reply_to}) and their delivery counts. */
    public ResponseHooks hooks() {
        return hooks;
    }

    /** The operations a draining node still takes (a backend's answer; a call, answered {@code shutting_down}). */
    public static Set<String> operationsDuringDrain() {
        return RpcOps.DURING_DRAIN;
    }

    public void registerWith(Dispatcher dispatcher) {
        new RpcOps(this).registerWith(dispatcher);
        new CallManyOps(this).registerWith(dispatcher);
        new ChunkOps(this).registerWith(dispatcher);
    }

    /** Sends a tracked call to the first target that serves its name; {@code no_responders} when none does. */
    void route(RpcCall call) {
        for (RpcTarget t : targets) {
            if (t.call(call)) return;
        }
        if (webhooks.call(call)) return;
        tracker.complete(call, RpcReplies.noResponders(call.name()));
    }

    /**
     * A call that another node sent here (a cluster engine's seam): tracked on this node with
     * {@code timeoutMs} (the time its caller still waits), routed through this node's targets
     * only — a target that forwards to other nodes sees {@link RpcCall#fromAnotherNode()} — and
     * its one outcome, refusals included ({@code shutting_down}, {@code too_many_requests}), goes
     * to {@code outcome}.
     */
    public void callFromAnotherNode(String name, dev.switchboard.protocol.Payload payload, boolean idempotent,
                                    long timeoutMs, Consumer<dev.switchboard.protocol.Reply> outcome) {
        callFromAnotherNode(name, payload, idempotent, timeoutMs, null, outcome);
    }

    /**
     * As {@link #callFromAnotherNode(String, dev.switchboard.protocol.Payload, boolean, long, Consumer)},
     * for a streaming call when {@code toCallerNode} is not null: the responder's chunks go to it
     * (a stream to the caller's node, whose answer is the chunk's), while the call is in flight.
     *
     * @return ends the call here, {@code cancelled} (its caller went); null when it was refused
     */
    public Runnable callFromAnotherNode(String name, dev.switchboard.protocol.Payload payload, boolean idempotent,
                                        long timeoutMs, RpcStream toCallerNode,
                                        Consumer<dev.switchboard.protocol.Reply> outcome) {
        RpcCall call = tracker.start(name, payload, idempotent && toCallerNode == null, null, timeoutMs, outcome);
        if (call == null) return null; // refused, and told
        call.markFromAnotherNode();
        if (toCallerNode != null) call.stream(new ForwardedStream(call, toCallerNode));
        route(call);
        return () -> tracker.complete(call, dev.switchboard.protocol.Reply.error(
                dev.switchboard.protocol.ErrorCode.CANCELLED, "the caller on another node went"));
    }

    /**
     * A request-many that another node sent here (a cluster engine's seam): every member on this
     * node serving {@code name} — in-process handlers, then one member of each backend service —
     * gets a call of its own, tracked here, and each one's outcome goes to {@code memberOutcome}
     * with the member's name ({@code in-process} or the backend's session id).
     *
     * @return the members asked (none: nothing here serves it now)
     */
    public List<String> callEachFromAnotherNode(String name, dev.switchboard.protocol.Payload payload, long timeoutMs,
                                       java.util.function.BiConsumer<String, dev.switchboard.protocol.Reply> memberOutcome) {
        return CallManyOps.callEachHere(this, name, payload, timeoutMs, memberOutcome);
    }

    /** Request-many asks {@code others} too (a cluster); null: this node only. */
    public void useOtherNodes(OtherNodes others) {
        this.otherNodes = others;
    }

    OtherNodes otherNodes() {
        return otherNodes;
    }

    /**
     * Delivers a notify to the first target that serves its name, in lookup order: this node's
     * targets, then (in a cluster) one other node serving it, then the webhooks. {@code outcome}
     * is told once, from any thread: ok when something took it, {@code no_responders} when
     * nothing serves the name, or why another node could not be asked ({@code disconnected},
     * {@code timeout}, {@code frame_too_large}, {@code too_many_requests}).
     */
    void notify(RpcCall notice, Consumer<dev.switchboard.protocol.Reply> outcome) {
        if (notifyHere(notice)) {
            outcome.accept(NOTIFIED);
            return;
        }
        OtherNodes others = otherNodes;
        if (others == null || notice.fromAnotherNode()) {
            outcome.accept(webhooks.notify(notice) ? NOTIFIED : RpcReplies.noResponders(notice.name()));
            return;
        }
        others.notifyOne(notice.name(), notice.payload(), answer -> {
            if (answer.error() == dev.switchboard.protocol.ErrorCode.NO_RESPONDERS) {
                outcome.accept(webhooks.notify(notice) ? NOTIFIED : answer);
            } else {
                outcome.accept(answer);
            }
        });
    }

    private static final dev.switchboard.protocol.Reply NOTIFIED = dev.switchboard.protocol.Reply.ok(java.util.Map.of());

    private boolean notifyHere(RpcCall notice) {
        for (RpcTarget t : targets) {
            if (t.notify(notice)) return true;
        }
        return false;
    }

    /**
     * A notify that another node sent here (a cluster engine's seam): delivered to this node's
     * targets only, then its webhooks, as a notify of its own without a caller session.
     *
     * @return whether something here took it
     */
    public boolean notifyFromAnotherNode(String name, dev.switchboard.protocol.Payload payload) {
        RpcCall notice = tracker.notice(name, payload, null);
        notice.markFromAnotherNode();
        return notifyHere(notice) || webhooks.notify(notice);
    }

    public RpcSettings settings() {
        return settings;
    }

    public RpcTracker tracker() {
        return tracker;
    }

    /** Who serves which names (the backend sessions' registrations in force). */
    public ServiceRegistry registry() {
        return registry;
    }

    BackendServices backends() {
        return backends;
    }

    InProcessTarget inProcess() {
        return inProcess;
    }

    /** What {@code s} serves ({@code pattern} or {@code pattern@group}), whether it is present or not. */
    public List<String> served(Session s) {
        return backends.servedBy(s);
    }

    // ---- presence of backend sessions (from the session registry) -------------------------------

    /** A connection attached to {@code s}. */
    @Override
    public void attached(Session s) {
        backends.attached(s);
    }

    /** {@code s}'s last connection went; it may come back. */
    @Override
    public void away(Session s) {
        backends.away(s);
    }

    /** {@code s} ended. */
    @Override
    public void ended(Session s) {
        backends.ended(s);
    }

    // ---- streams read at their URL ----------------------------------------------------------------

    /** The session that made the streaming call {@code rid}, while the call is in flight; null otherwise. */
    public Session streamCaller(String rid) {
        RpcCall c = tracker.find(rid);
        return c == null || c.stream() == null || c.isDone() ? null : c.caller();
    }

    /**
     * {@code reader} reads the stream of the call {@code rid} (see {@link StreamReader}); false
     * when the call is not a stream in flight, or has a reader already.
     */
    public boolean readStream(String rid, StreamReader reader) {
        RpcCall c = tracker.find(rid);
        return c != null && c.stream() != null && c.stream().read(reader);
    }

    /** {@code reader} no longer reads the stream of {@code rid}. */
    public void unreadStream(String rid, StreamReader reader) {
        RpcCall c = tracker.find(rid);
        if (c != null && c.stream() != null) c.stream().unread(reader);
    }

    /** Stream chunks that a caller's connection took (wrote), since the node started. */
    public long streamChunks() {
        return chunksTaken.sum();
    }

    void chunkTaken() {
        chunksTaken.increment();
    }

    // ---- limits ---------------------------------------------------------------------------------

    /** Where a client hitting a bound of request/reply is reported, by the limit's name. */
    public void onLimitHit(Consumer<String> counter) {
        this.limitHits = counter;
        tracker.onLimitHit(counter);
    }

    void limitHit(String limit) {
        limitHits.accept(limit);
    }
}
