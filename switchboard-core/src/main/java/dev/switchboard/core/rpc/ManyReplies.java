package dev.switchboard.core.rpc;

import dev.switchboard.protocol.ErrorCode;
import dev.switchboard.protocol.PayloadFields;
import dev.switchboard.protocol.Reply;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The replies of one {@code rpc.call_many}, gathered member by member until {@code max_replies}
 * members answered, or every member has its outcome (an answer, or its own {@code timeout},
 * {@code disconnected}, ...: each member's call is tracked like an {@code rpc.call}). Then the
 * caller gets {@code {"replies":[…],"complete":bool}} in member order, and the calls still open are
 * ended, so that their late answers are refused {@code unknown_request}.
 */
final class ManyReplies {
    /** One member asked: the target name it was asked under, and who it is once known. */
    static final class Member {
        final String target;
        volatile String member;
        volatile RpcCall call;
        Map<String, Object> entry; // guarded by the ManyReplies

        Member(String target, String member) {
            this.target = target;
            this.member = member;
        }
    }

    private final List<Member> members;
    private final long maxReplies;
    private final RpcTracker tracker;
    private final Consumer<Reply> answer;
    private int outcomes; // guarded by this
    private int replies; // guarded by this
    private boolean done; // guarded by this

    ManyReplies(List<Member> members, long maxReplies, RpcTracker tracker, Consumer<Reply> answer) {
        this.members = List.copyOf(members);
        this.maxReplies = maxReplies;
        this.tracker = tracker;
        this.answer = answer;
    }

    List<Member> members() {
        return members;
    }

    /** {@code m}'s call has its outcome. */
    void outcome(Member m, Reply reply) {
        Reply result;
        synchronized (this) {
            if (done || m.entry != null) return;
            m.entry = entry(m, reply);
            outcomes++;
            if (!reply.isError() || reply.error() == ErrorCode.APPLICATION) replies++;
            if (replies < maxReplies && outcomes < members.size()) return;
            done = true;
            result = result();
        }
        answer.accept(result);
        endTheRest(Reply.error(ErrorCode.CANCELLED, "the request-many had its replies already"));
    }

    /** The caller went: every member's call ends, and nobody is answered. */
    void cancel() {
        synchronized (this) {
            if (done) return;
            done = true;
        }
        endTheRest(Reply.error(ErrorCode.CANCELLED, "the caller's connection closed"));
    }

    private void endTheRest(Reply why) {
        for (Member m : members) {
            RpcCall c = m.call;
            if (c != null) tracker.complete(c, why);
        }
    }

    /** Guarded by this: the members that have an outcome, in member order. */
    private Reply result() {
        List<Map<String, Object>> out = new ArrayList<>();
        boolean complete = true;
        for (Member m : members) {
            if (m.entry == null) {
                complete = false;
                continue;
            }
            out.add(m.entry);
            Object error = m.entry.get("error");
            if (error instanceof Map<?, ?> e && !"application".equals(e.get("origin"))) complete = false;
        }
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("replies", out);
        r.put("complete", complete);
        return Reply.ok(r);
    }

    private static Map<String, Object> entry(Member m, Reply reply) {
        Map<String, Object> e = new LinkedHashMap<>();
        e.put("target", m.target);
        RpcCall c = m.call;
        String member = m.member != null ? m.member : c == null ? null : c.servedBy();
        e.put("member", member);
        if (reply.isError()) {
            e.put("error", reply.errorFields());
        } else {
            // The member's answer as rpc.call gives it: {"payload":…} or {"payload_b64":…}.
            e.putAll(reply.result());
        }
        return e;
    }
}
