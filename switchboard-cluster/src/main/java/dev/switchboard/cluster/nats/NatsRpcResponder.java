package dev.switchboard.cluster.nats;

import dev.switchboard.core.rpc.RequestReply;
import dev.switchboard.protocol.ErrorCode;
import dev.switchboard.protocol.Payload;
import dev.switchboard.protocol.Reply;
import io.nats.client.Connection;
import io.nats.client.Message;
import io.nats.client.MessageHandler;
import io.nats.client.impl.Headers;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Calls from other nodes, served here: each request that NATS hands this node (one node per
 * service, by queue group) runs through this node's own targets as a call of its own, with the
 * time its caller still waits, and its one outcome goes back on the request's reply subject.
 * Runs on jnats's dispatcher thread: routing a call does not block (an in-process handler that
 * blocks holds up this node's other calls from NATS, as it would hold up its caller's connection).
 */
final class NatsRpcResponder implements MessageHandler {
    private static final Logger log = LoggerFactory.getLogger(NatsRpcResponder.class);

    /** Request-many ids seen lately: a node subscribed on two patterns matching a name answers once. */
    private static final int RECENT_MANY = 4096;

    private final Connection nats;
    private final NatsSubjects subjects;
    private final String nodeId;
    private volatile RequestReply rpc;
    private volatile NatsServedStreams streams;
    private final java.util.Map<String, Boolean> recentMany = new java.util.LinkedHashMap<>(64, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(java.util.Map.Entry<String, Boolean> eldest) {
            return size() > RECENT_MANY;
        }
    }; // guarded by itself

    NatsRpcResponder(Connection nats, NatsSubjects subjects, String nodeId) {
        this.nats = nats;
        this.subjects = subjects;
        this.nodeId = nodeId;
    }

    /** The node's request/reply, once its core is built; until then a request is answered {@code shutting_down}-like refusal. */
    void serveWith(RequestReply rpc) {
        this.rpc = rpc;
    }

    /** Where this node keeps the streaming calls from other nodes (set before {@link #serveWith}). */
    void streamsIn(NatsServedStreams streams) {
        this.streams = streams;
    }

    @Override
    public void onMessage(Message m) {
        String replyTo = m.getReplyTo();
        if (replyTo == null || replyTo.isEmpty()) return; // nothing waits for an answer
        RequestReply r = rpc;
        if (r == null) {
            answer(replyTo, Reply.error(ErrorCode.NO_RESPONDERS, "the node is still starting"));
            return;
        }
        String name;
        Payload payload;
        try {
            name = subjects.channelOf("rpc", m.getSubject());
            payload = NatsRpcWire.payload(m);
        } catch (RuntimeException e) {
            log.warn("a request from another node could not be read ({}); answered internal", m.getSubject(), e);
            answer(replyTo, Reply.error(ErrorCode.INTERNAL, "the request could not be read on the serving node"));
            return;
        }
        if (NatsRpcWire.notify(m)) {
            answer(replyTo, r.notifyFromAnotherNode(name, payload) ? Reply.ok(java.util.Map.of())
                    : NatsRpcCaller.noResponders());
            return;
        }
        long timeoutMs = Math.min(NatsRpcWire.timeoutMs(m, r.settings().defaultTimeoutMs()), r.settings().maxTimeoutMs());
        String chunkSubject = NatsRpcWire.stream(m);
        NatsServedStreams served = streams;
        if (chunkSubject == null || served == null) {
            r.callFromAnotherNode(name, payload, NatsRpcWire.idempotent(m), timeoutMs, outcome -> answer(replyTo, outcome));
            return;
        }
        // A stream: the backend's chunks go to the caller's node; the outcome goes back once every
        // chunk sent before it has its answer there, so that it never overtakes one.
        NatsServedStreams.Cancel cancel = served.started(chunkSubject);
        NatsChunkForwarder forwarder = new NatsChunkForwarder(nats, chunkSubject, timeoutMs, cancel);
        cancel.set(r.callFromAnotherNode(name, payload, false, timeoutMs, forwarder, outcome -> {
            served.ended(chunkSubject);
            forwarder.answered().whenComplete((v, e) -> answer(replyTo, outcome));
        }));
    }

    /**
     * A request-many from another node ({@link NatsRpcMany}): each of this node's members serving
     * the name answers on the reply subject as its call ends, named {@code <node id>/<member>}.
     * The node that asked answers for its own members itself, and ignores its own message.
     */
    MessageHandler many() {
        return m -> {
            String replyTo = m.getReplyTo();
            RequestReply r = rpc;
            if (replyTo == null || replyTo.isEmpty() || r == null || m.getHeaders() == null) return;
            if (nodeId.equals(m.getHeaders().getFirst(NatsRpcMany.ORIGIN))) return;
            String id = m.getHeaders().getFirst(NatsRpcMany.REQUEST_ID);
            synchronized (recentMany) {
                if (id == null || recentMany.putIfAbsent(id, Boolean.TRUE) != null) return;
            }
            String name;
            Payload payload;
            try {
                name = subjects.channelOf(NatsRpcSubscriptions.MANY, m.getSubject());
                payload = NatsRpcWire.payload(m);
            } catch (RuntimeException e) {
                log.warn("a request-many from another node could not be read ({})", m.getSubject(), e);
                return;
            }
            long timeoutMs = Math.min(NatsRpcWire.timeoutMs(m, r.settings().defaultTimeoutMs()), r.settings().maxTimeoutMs());
            List<String> asked = r.callEachFromAnotherNode(name, payload, timeoutMs, (member, outcome) -> {
                NatsRpcWire.Encoded e = sized(outcome);
                e.headers().put(NatsRpcMany.MEMBER, nodeId + "/" + member);
                send(replyTo, e);
            });
            // Who was asked, so that the caller's node reports a member that has not answered by
            // its deadline as that member's timeout, even when this node's own word comes too late.
            for (String member : asked) {
                Headers h = new Headers();
                h.put(NatsRpcMany.ASKED, nodeId + "/" + member);
                send(replyTo, new NatsRpcWire.Encoded(h, new byte[0]));
            }
        };
    }

    private void answer(String replyTo, Reply outcome) {
        send(replyTo, sized(outcome));
    }

    /** {@code outcome} as a message, or {@code frame_too_large} in its place when NATS cannot carry it. */
    private NatsRpcWire.Encoded sized(Reply outcome) {
        NatsRpcWire.Encoded e = NatsRpcWire.encode(outcome);
        if (e.size() > nats.getMaxPayload()) {
            e = NatsRpcWire.encode(NatsRpcCaller.tooLarge("answer", e.body().length, nats.getMaxPayload()));
        }
        return e;
    }

    private void send(String replyTo, NatsRpcWire.Encoded e) {
        try {
            nats.publish(replyTo, e.headers(), e.body());
        } catch (RuntimeException ex) { // the connection closed: the caller's node answers its call itself
            log.debug("an answer to another node could not be sent", ex);
        }
    }
}
