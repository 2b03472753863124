package dev.switchboard.core.rpc;

import dev.switchboard.core.session.Permissions;
import dev.switchboard.core.Dispatcher;
import dev.switchboard.core.identity.Permission;
import dev.switchboard.core.pubsub.SignalOps;
import dev.switchboard.protocol.Subjects;
import dev.switchboard.core.session.Request;
import dev.switchboard.core.session.Session;
import dev.switchboard.protocol.ErrorCode;
import dev.switchboard.protocol.Frame;
import dev.switchboard.protocol.Payload;
import dev.switchboard.protocol.PayloadFields;
import dev.switchboard.protocol.ProtocolException;
import dev.switchboard.protocol.Reply;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * The request/reply operations of the native protocol: {@code rpc.serve}, {@code rpc.unserve},
 * {@code rpc.call}, {@code rpc.respond} and {@code rpc.notify} (docs/messaging.md).
 */
final class RpcOps {
    /**
     * The operations a draining node still takes from its connections: a backend's answer lets a
     * drain end sooner, and a call or notify is answered {@code shutting_down} instead of the
     * connection being closed.
     */
    static final Set<String> DURING_DRAIN = Set.of("rpc.respond", "rpc.chunk", "rpc.call", "rpc.call_many", "rpc.notify");

    private final RequestReply rpc;

    RpcOps(RequestReply rpc) {
        this.rpc = rpc;
    }

    void registerWith(Dispatcher dispatcher) {
        dispatcher.register("rpc.serve", req -> {
            String pattern = SignalOps.pattern(req.frame());
            Permissions.require(req.session(), Permission.SERVE, pattern);
            String refused = rpc.backends().serve(session(req), pattern, SignalOps.group(req.frame()));
            if (refused != null) {
                rpc.limitHit("max_subscriptions");
                req.reply(Reply.error(ErrorCode.MAX_SUBSCRIPTIONS, refused));
            } else {
                req.reply(Reply.ok(Map.of()));
            }
        });
        dispatcher.register("rpc.unserve", req -> {
            rpc.backends().unserve(session(req), SignalOps.pattern(req.frame()), SignalOps.group(req.frame()));
            req.reply(Reply.ok(Map.of()));
        });
        dispatcher.register("rpc.call", this::call);
        dispatcher.register("rpc.respond", this::respond);
        dispatcher.register("rpc.notify", req -> {
            Frame f = req.frame();
            String name = name(f);
            Permissions.require(req.session(), Permission.CALL, name);
            Payload payload = payload(f);
            boolean ack = flag(f, "ack");
            if (rpc.tracker().draining()) {
                req.reply(RpcReplies.shuttingDown());
                return;
            }
            // Without ack the sender is answered at once; with it, once the notify has found a
            // target or none (in a cluster, after asking another node).
            if (!ack) req.reply(Reply.ok(Map.of()));
            rpc.notify(rpc.tracker().notice(name, payload, req.session()), outcome -> {
                if (ack) req.reply(outcome);
            });
        });
    }

    private void call(Request req) {
        Frame f = req.frame();
        String name = name(f);
        Permissions.require(req.session(), Permission.CALL, name);
        Payload payload = payload(f);
        // Designed for later (docs/messaging.md): refused clearly rather than half-done.
        boolean stream = flag(f, "stream");
        if (stream && req.session() == null) throw invalid("stream needs a session: the chunks are its events");
        long timeoutMs = timeoutMs(f, rpc.settings());
        if (f.has("reply_to")) {
            if (stream) throw invalid("a stream's chunks go to its caller: stream and reply_to cannot go together");
            callWithHook(req, name, payload, timeoutMs, rpc.hooks().parse(f.value("reply_to")));
            return;
        }
        // A stream is never sent twice: its first backend's chunks may have reached the caller already.
        boolean idempotent = flag(f, "idempotent") && !stream;
        RpcCall call = rpc.tracker().start(name, payload, idempotent, req.session(), timeoutMs, req::reply);
        if (call == null) return; // refused, and answered
        if (stream) call.stream(new CallStream(call, f.id(), rpc.settings().streamWindow(), rpc::limitHit, rpc::chunkTaken));
        // The caller's connection went: the call ends (its answer would go nowhere), and a late
        // response from its backend is refused as such.
        req.onCancel(() -> rpc.tracker().complete(call,
                Reply.error(ErrorCode.CANCELLED, "the caller's connection closed")));
        if (!call.isDone()) rpc.route(call); // its caller may have gone already (onCancel ran at once)
    }

    /**
     * A call whose outcome goes to a response hook: the caller hears {@code accepted} at once (or
     * the refusal, if the call is not admitted) and its connection is not tied to the call, which
     * runs until its outcome or deadline either way.
     */
    private void callWithHook(Request req, String name, Payload payload, long timeoutMs, ResponseHooks.Hook hook) {
        Frame f = req.frame();
        RpcCall call = rpc.tracker().start(name, payload, flag(f, "idempotent"), req.session(), timeoutMs,
                req::reply, hook::deliver);
        if (call == null) return; // refused, and the caller told
        Map<String, Object> accepted = new LinkedHashMap<>();
        accepted.put("accepted", true);
        accepted.put("rid", call.rid());
        req.reply(Reply.ok(accepted));
        rpc.route(call);
    }

    private void respond(Request req) {
        Frame f = req.frame();
        String rid = f.string("rid");
        Reply outcome = RpcAnswers.read(f);
        Session s = session(req);
        if (rpc.tracker().respond(rid, s.id(), outcome)) {
            req.reply(Reply.ok(Map.of()));
        } else {
            req.reply(Reply.error(ErrorCode.UNKNOWN_REQUEST, "no call " + rid + " is waiting for this session's answer"
                    + " (it ended: its deadline passed or its caller went)"));
        }
    }

    /** A call's deadline: {@code timeout_ms}, or the default, cut to {@code --rpc-max-timeout-ms}. */
    static long timeoutMs(Frame f, RpcSettings settings) {
        return Math.min(f.optionalNumber("timeout_ms", 1, Long.MAX_VALUE / 2_000_000L, settings.defaultTimeoutMs()),
                settings.maxTimeoutMs());
    }

    static Session session(Request req) {
        Session s = req.session();
        if (s == null) throw invalid("this operation needs a session");
        return s;
    }

    /** A request's payload; none is an empty text. */
    static Payload payload(Frame f) {
        Payload p = PayloadFields.readOptional(f);
        return p == null ? Payload.ofUtf8("") : p;
    }

    /** A name to call: a subject without wildcards, a key's length at most. */
    static String name(Frame f) {
        return checkedName("name", f.key("name"));
    }

    /** {@code name} when it is a subject without wildcards; else {@code invalid_argument} naming {@code field}. */
    static String checkedName(String field, String name) {
        String problem = Subjects.channelError(name);
        if (problem != null) throw invalid(field + ": " + problem);
        return name;
    }

    static boolean flag(Frame f, String name) {
        Object v = f.value(name);
        if (v == null) return false;
        if (!(v instanceof Boolean b)) throw invalid(name + " must be true or false");
        return b;
    }

    static ProtocolException invalid(String message) {
        return new ProtocolException(ErrorCode.INVALID_ARGUMENT, message);
    }
}
