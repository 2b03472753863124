package dev.switchboard.core.rpc;

import dev.switchboard.core.Dispatcher;
import dev.switchboard.core.session.Request;
import dev.switchboard.protocol.ErrorCode;
import dev.switchboard.protocol.Frame;
import dev.switchboard.protocol.Payload;
import dev.switchboard.protocol.Reply;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code rpc.call_many}: one request to every service serving {@code name} (one member of each
 * backend service, and every in-process handler whose pattern matches), or to each name of
 * {@code targets} (each routed as {@code rpc.call} routes it). Each member's call is tracked on
 * its own, with the same deadline; {@link ManyReplies} gathers the outcomes. At most
 * {@code --rpc-max-fanout} members per request.
 */
final class CallManyOps {
    /** What a reply entry names as the member when an in-process handler answered. */
    static final String IN_PROCESS = "in-process";

    private final RequestReply rpc;

    CallManyOps(RequestReply rpc) {
        this.rpc = rpc;
    }

    void registerWith(Dispatcher dispatcher) {
        dispatcher.register("rpc.call_many", this::callMany);
    }

    private void callMany(Request req) {
        Frame f = req.frame();
        boolean byName = f.has("name");
        if (byName == f.has("targets")) throw RpcOps.invalid("send either name or targets");
        List<String> targets = byName ? List.of(RpcOps.name(f)) : targets(f);
        for (String t : targets) {
            dev.switchboard.core.session.Permissions.require(req.session(), dev.switchboard.core.identity.Permission.CALL, t);
        }
        Payload payload = RpcOps.payload(f);
        long timeoutMs = RpcOps.timeoutMs(f, rpc.settings());
        long maxReplies = f.optionalNumber("max_replies", 1, Integer.MAX_VALUE, Long.MAX_VALUE);
        int maxFanout = rpc.settings().maxFanout();
        if (targets.size() > maxFanout) {
            req.reply(tooMany(targets.size() + " targets"));
            return;
        }
        if (rpc.tracker().draining()) {
            req.reply(RpcReplies.shuttingDown());
            return;
        }
        String name = targets.get(0);
        List<ManyReplies.Member> members = new ArrayList<>();
        List<Object> sendTo = new ArrayList<>(); // by name: each member's handler or backend endpoint
        OtherNodes others = byName ? rpc.otherNodes() : null;
        if (byName) {
            for (var h : rpc.settings().handlers().requestHandlers(name)) {
                members.add(new ManyReplies.Member(name, IN_PROCESS));
                sendTo.add(h.handler());
            }
            for (ServiceEndpoint b : rpc.registry().members(name)) {
                members.add(new ManyReplies.Member(name, b.endpointId()));
                sendTo.add(b);
            }
            // In a cluster, other nodes may serve it: they say so (or NATS says nobody does).
            if (members.isEmpty() && others == null) {
                req.reply(RpcReplies.noResponders(name));
                return;
            }
            if (members.size() > maxFanout) {
                req.reply(tooMany(members.size() + " members serve " + name));
                return;
            }
        } else {
            for (String t : targets) {
                // In-process handlers come first in the lookup order: when one matches, it answers.
                members.add(new ManyReplies.Member(t, rpc.settings().handlers().requestHandler(t) != null ? IN_PROCESS : null));
            }
        }
        ManyReplies gather = new ManyReplies(members, maxReplies, rpc.tracker(), req::reply, others != null, maxFanout,
                others != null ? name : null);
        req.onCancel(gather::cancel);
        for (int i = 0; i < members.size(); i++) {
            ManyReplies.Member m = members.get(i);
            RpcCall call = rpc.tracker().start(m.target, payload, false, req.session(), timeoutMs, r -> gather.outcome(m, r));
            if (call == null) continue; // refused (the node's bound, a drain): its entry says so
            m.call = call;
            if (byName) send(rpc, sendTo.get(i), call);
            else rpc.route(call);
        }
        if (others != null) {
            gather.stopOthersWith(others.callEach(name, payload, timeoutMs, new OtherNodes.Replies() {
                @Override
                public void asked(String member) {
                    if (!gather.otherNodeAsked(member)) rpc.limitHit("rpc_max_fanout");
                }

                @Override
                public void member(String member, Reply outcome) {
                    if (!gather.otherNodeMember(member, outcome)) rpc.limitHit("rpc_max_fanout");
                }

                @Override
                public void done() {
                    gather.otherNodesDone(RpcReplies.timeout(timeoutMs));
                }
            }));
        }
    }

    /**
     * A request-many from another node, on this node's members (see
     * {@link RequestReply#callEachFromAnotherNode}).
     */
    static List<String> callEachHere(RequestReply rpc, String name, Payload payload, long timeoutMs,
                            java.util.function.BiConsumer<String, Reply> memberOutcome) {
        List<Object> sendTo = new ArrayList<>();
        List<String> names = new ArrayList<>();
        for (var h : rpc.settings().handlers().requestHandlers(name)) {
            sendTo.add(h.handler());
            names.add(IN_PROCESS);
        }
        for (ServiceEndpoint b : rpc.registry().members(name)) {
            sendTo.add(b);
            names.add(b.endpointId());
        }
        int n = Math.min(sendTo.size(), rpc.settings().maxFanout());
        if (n < sendTo.size()) rpc.limitHit("rpc_max_fanout");
        for (int i = 0; i < n; i++) {
            String member = names.get(i);
            RpcCall call = rpc.tracker().start(name, payload, false, null, timeoutMs, r -> memberOutcome.accept(member, r));
            if (call == null) continue; // refused, and its outcome given
            call.markFromAnotherNode();
            send(rpc, sendTo.get(i), call);
        }
        return List.copyOf(names.subList(0, n));
    }

    /** Sends a member's call to its in-process handler or backend; {@code disconnected} when the backend went since the lookup. */
    private static void send(RequestReply rpc, Object member, RpcCall call) {
        if (member instanceof RpcHandler h) {
            rpc.inProcess().callWith(h, call);
        } else if (!rpc.backends().callOn((ServiceEndpoint) member, call)) {
            rpc.tracker().complete(call, RpcReplies.disconnected());
        }
    }

    private Reply tooMany(String what) {
        rpc.limitHit("rpc_max_fanout");
        return Reply.error(ErrorCode.TOO_MANY_REQUESTS, "a request-many goes to at most " + rpc.settings().maxFanout()
                + " members (--rpc-max-fanout), and this one has " + what);
    }

    private static List<String> targets(Frame f) {
        if (!(f.value("targets") instanceof List<?> list) || list.isEmpty()) {
            throw RpcOps.invalid("targets must be a non-empty list of names");
        }
        List<String> out = new ArrayList<>();
        for (Object o : list) {
            if (!(o instanceof String t)) throw RpcOps.invalid("targets must be a list of names (strings)");
            String tooLong = Frame.keyError(t);
            if (tooLong != null) throw RpcOps.invalid("targets: a name " + tooLong);
            out.add(RpcOps.checkedName("targets", t));
        }
        return out;
    }
}
