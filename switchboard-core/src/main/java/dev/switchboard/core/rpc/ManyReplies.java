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
 * ended, so that their late answers are refused {@code unknown_request}. In a cluster
 * ({@link OtherNodes}), members on other nodes join as they are reported, and the gathering also
 * waits until the other nodes are done (their deadline); a member asked there that has not
 * answered by then is reported as its timeout.
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

    private final List<Member> members; // guarded by this: other nodes' members are added as they answer
    private final long maxReplies;
    private final RpcTracker tracker;
    private final Consumer<Reply> answer;
    private final int maxMembers;
    private final String nameAsked;
    private int outcomes; // guarded by this
    private int replies; // guarded by this
    private boolean done; // guarded by this
    /** Other nodes may still answer (a cluster): the gathering waits for them too. Guarded by this. */
    private boolean othersOpen;
    private Runnable stopOthers = () -> { }; // guarded by this
    /** The members on other nodes, by name. Guarded by this. */
    private final Map<String, Member> otherNodes = new java.util.HashMap<>();

    ManyReplies(List<Member> members, long maxReplies, RpcTracker tracker, Consumer<Reply> answer) {
        this(members, maxReplies, tracker, answer, false, Integer.MAX_VALUE, null);
    }

    /**
     * @param othersAsked other nodes are asked too: their members come through {@link #otherNodeMember}
     *                    until {@link #otherNodesDone}, at most {@code maxMembers} members in all
     * @param nameAsked   the name asked of the other nodes ({@code no_responders} names it when no member anywhere answered)
     */
    ManyReplies(List<Member> members, long maxReplies, RpcTracker tracker, Consumer<Reply> answer,
                boolean othersAsked, int maxMembers, String nameAsked) {
        this.members = new ArrayList<>(members);
        this.maxReplies = maxReplies;
        this.tracker = tracker;
        this.answer = answer;
        this.othersOpen = othersAsked;
        this.maxMembers = maxMembers;
        this.nameAsked = nameAsked;
    }

    synchronized List<Member> members() {
        return List.copyOf(members);
    }

    /** How the other nodes are told to stop (once the gathering is over); run now if it is over already. */
    void stopOthersWith(Runnable stop) {
        synchronized (this) {
            if (!done) {
                stopOthers = stop;
                return;
            }
        }
        stop.run();
    }

    /** A member on another node was asked; false when it is one more than {@code maxMembers} (dropped). */
    boolean otherNodeAsked(String member) {
        synchronized (this) {
            return done || otherMember(member) != null;
        }
    }

    /** A member on another node has its outcome; false when it is one more than {@code maxMembers} (dropped). */
    boolean otherNodeMember(String member, Reply reply) {
        Reply result;
        synchronized (this) {
            if (done) return true;
            Member m = otherMember(member);
            if (m == null) return false;
            if (m.entry != null) return true; // told twice: the first stands
            result = recorded(m, reply);
        }
        if (result != null) finish(result);
        return true;
    }

    /** Guarded by this: the member of another node by its name, added if new; null when there is no room. */
    private Member otherMember(String member) {
        Member m = otherNodes.get(member);
        if (m != null) return m;
        if (members.size() >= maxMembers) return null;
        m = new Member(nameAsked, member);
        members.add(m);
        otherNodes.put(member, m);
        return m;
    }

    /** No other node will answer any more: their members that were asked and did not answer get {@code unanswered}. */
    void otherNodesDone(Reply unanswered) {
        Reply result;
        synchronized (this) {
            if (done || !othersOpen) return;
            othersOpen = false;
            for (Member m : otherNodes.values()) {
                if (m.entry == null) {
                    m.entry = entry(m, unanswered);
                    outcomes++;
                }
            }
            result = outcomes < members.size() ? null : over();
        }
        if (result != null) finish(result);
    }

    /** {@code m}'s call has its outcome. */
    void outcome(Member m, Reply reply) {
        Reply result;
        synchronized (this) {
            if (done || m.entry != null) return;
            result = recorded(m, reply);
        }
        if (result != null) finish(result);
    }

    /** Guarded by this: {@code m}'s outcome kept; the answer when that ends the gathering, else null. */
    private Reply recorded(Member m, Reply reply) {
        m.entry = entry(m, reply);
        outcomes++;
        if (!reply.isError() || reply.error() == ErrorCode.APPLICATION) replies++;
        if (replies < maxReplies && (outcomes < members.size() || othersOpen)) return null;
        return over();
    }

    /** Guarded by this: the gathering is over; its answer. */
    private Reply over() {
        done = true;
        return members.isEmpty() && nameAsked != null ? RpcReplies.noResponders(nameAsked) : result();
    }

    private void finish(Reply result) {
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
        Runnable stop;
        List<Member> all;
        synchronized (this) {
            stop = stopOthers;
            stopOthers = () -> { };
            all = List.copyOf(members);
        }
        stop.run();
        for (Member m : all) {
            RpcCall c = m.call;
            if (c != null) tracker.complete(c, why);
        }
    }

    /** Guarded by this: the members that have an outcome, in member order. */
    private Reply result() {
        List<Map<String, Object>> out = new ArrayList<>();
        boolean complete = true;
        for (Member m : members) { // guarded by this (result() runs under it)
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
