package dev.switchboard.core.rpc;

import dev.switchboard.core.Dispatcher;
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
    static final Set<String> DURING_DRAIN = Set.of("rpc.respond", "rpc.call", "rpc.notify");

    private final RequestReply rpc;

    RpcOps(RequestReply rpc) {
        this.rpc = rpc;
    }

    void registerWith(Dispatcher dispatcher) {
        dispatcher.register("rpc.serve", req -> {
            String refused = rpc.backends().serve(session(req), SignalOps.pattern(req.frame()), SignalOps.group(req.frame()));
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
            Payload payload = payload(f);
            boolean ack = flag(f, "ack");
            if (rpc.tracker().draining()) {
                req.reply(RpcReplies.shuttingDown());
                return;
            }
            boolean delivered = rpc.notify(rpc.tracker().notice(name, payload, req.session()));
            req.reply(ack && !delivered ? RpcReplies.noResponders(name) : Reply.ok(Map.of()));
        });
    }

    private void call(Request req) {
        Frame f = req.frame();
        String name = name(f);
        Payload payload = payload(f);
        // Designed for later (docs/messaging.md): refused clearly rather than half-done.
        if (flag(f, "stream")) throw invalid("stream is not supported yet");
        long timeoutMs = Math.min(f.optionalNumber("timeout_ms", 1, Long.MAX_VALUE / 2_000_000L,
                rpc.settings().defaultTimeoutMs()), rpc.settings().maxTimeoutMs());
        if (f.has("reply_to")) {
            callWithHook(req, name, payload, timeoutMs, rpc.hooks().parse(f.value("reply_to")));
            return;
        }
        RpcCall call = rpc.tracker().start(name, payload, flag(f, "idempotent"), req.session(), timeoutMs, req::reply);
        if (call == null) return; // refused, and answered
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

    private static Session session(Request req) {
        Session s = req.session();
        if (s == null) throw invalid("this operation needs a session");
        return s;
    }

    /** A request's payload; none is an empty text. */
    private static Payload payload(Frame f) {
        Payload p = PayloadFields.readOptional(f);
        return p == null ? Payload.ofUtf8("") : p;
    }

    /** A name to call: a subject without wildcards, a key's length at most. */
    private static String name(Frame f) {
        String name = f.key("name");
        String problem = Subjects.channelError(name);
        if (problem != null) throw invalid("name: " + problem);
        return name;
    }

    private static boolean flag(Frame f, String name) {
        Object v = f.value(name);
        if (v == null) return false;
        if (!(v instanceof Boolean b)) throw invalid(name + " must be true or false");
        return b;
    }

    private static ProtocolException invalid(String message) {
        return new ProtocolException(ErrorCode.INVALID_ARGUMENT, message);
    }
}
