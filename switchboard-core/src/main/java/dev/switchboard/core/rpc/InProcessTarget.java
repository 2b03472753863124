package dev.switchboard.core.rpc;

import dev.switchboard.core.session.Session;
import dev.switchboard.core.time.NodeClock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedding program's handlers as a target: first in the lookup order. A handler's failure —
 * a throw, a null stage, an exceptional completion, a null result — is the caller's
 * {@code internal}, logged once, never the connection's end.
 */
final class InProcessTarget implements RpcTarget {
    private static final Logger log = LoggerFactory.getLogger(InProcessTarget.class);

    private final InProcessHandlers handlers;
    private final RpcTracker tracker;
    private final NodeClock clock;

    InProcessTarget(InProcessHandlers handlers, RpcTracker tracker, NodeClock clock) {
        this.handlers = handlers;
        this.tracker = tracker;
        this.clock = clock;
    }

    @Override
    public boolean call(RpcCall call) {
        RpcHandler h = handlers.requestHandler(call.name());
        if (h == null) return false;
        callWith(h, call);
        return true;
    }

    /** Runs {@code h} for {@code call} (request-many names its handler itself). */
    void callWith(RpcHandler h, RpcCall call) {
        CompletionStage<RpcResult> stage;
        try {
            stage = h.handle(new Context(call, clock));
        } catch (RuntimeException | Error e) {
            failed(call, e);
            return;
        }
        if (stage == null) {
            failed(call, new NullPointerException("the handler returned no CompletionStage"));
            return;
        }
        stage.whenComplete((result, err) -> {
            if (err != null) {
                failed(call, err);
            } else if (result == null) {
                failed(call, new NullPointerException("the handler completed with a null RpcResult"));
            } else {
                tracker.complete(call, result.reply());
            }
        });
    }

    @Override
    public boolean notify(RpcCall notice) {
        SignalHandler h = handlers.signalHandler(notice.name());
        if (h == null) return false;
        try {
            h.handle(new Context(notice, clock));
        } catch (RuntimeException | Error e) {
            log.warn("the in-process signal handler for {} failed", notice.name(), e);
        }
        return true;
    }

    private void failed(RpcCall call, Throwable e) {
        // Only if the call was still open: a handler that fails after the deadline is not news to the caller.
        if (tracker.complete(call, RpcReplies.internal())) {
            log.warn("the in-process handler for {} failed; the caller gets internal", call.name(), e);
        }
    }

    /** What the handler sees of the call, read from the caller's session when asked. */
    private record Context(RpcCall call, NodeClock clock) implements RpcContext {
        @Override
        public String name() {
            return call.name();
        }

        @Override
        public dev.switchboard.protocol.Payload payload() {
            return call.payload();
        }

        @Override
        public String sessionId() {
            Session s = call.caller();
            return s == null ? null : s.id();
        }

        @Override
        public Map<String, String> attributes() {
            Session s = call.caller();
            return s == null ? Map.of() : s.attributes();
        }

        @Override
        public String transport() {
            Session s = call.caller();
            return s == null ? "" : s.transport();
        }

        @Override
        public String remoteAddress() {
            Session s = call.caller();
            return s == null ? "" : s.remoteAddress();
        }

        @Override
        public Instant deadline() {
            return call.isNotify() ? null : Instant.ofEpochMilli(call.deadlineMillis());
        }

        @Override
        public boolean streaming() {
            return call.stream() != null;
        }

        @Override
        public RpcStream stream() {
            ResponderStream s = call.stream();
            if (s == null) return RpcContext.super.stream();
            return s;
        }

        @Override
        public Duration timeLeft() {
            if (call.isNotify()) return Duration.ZERO;
            return Duration.ofNanos(Math.max(0, call.deadlineNanos() - clock.nanoTime()));
        }
    }
}
