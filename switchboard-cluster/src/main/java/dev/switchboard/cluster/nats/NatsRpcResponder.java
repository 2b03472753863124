package dev.switchboard.cluster.nats;

import dev.switchboard.core.rpc.RequestReply;
import dev.switchboard.protocol.ErrorCode;
import dev.switchboard.protocol.Payload;
import dev.switchboard.protocol.Reply;
import io.nats.client.Connection;
import io.nats.client.Message;
import io.nats.client.MessageHandler;
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

    private final Connection nats;
    private final NatsSubjects subjects;
    private volatile RequestReply rpc;

    NatsRpcResponder(Connection nats, NatsSubjects subjects) {
        this.nats = nats;
        this.subjects = subjects;
    }

    /** The node's request/reply, once its core is built; until then a request is answered {@code shutting_down}-like refusal. */
    void serveWith(RequestReply rpc) {
        this.rpc = rpc;
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
        long timeoutMs = NatsRpcWire.timeoutMs(m, r.settings().defaultTimeoutMs());
        r.callFromAnotherNode(name, payload, NatsRpcWire.idempotent(m), Math.min(timeoutMs, r.settings().maxTimeoutMs()),
                outcome -> answer(replyTo, outcome));
    }

    private void answer(String replyTo, Reply outcome) {
        NatsRpcWire.Encoded e = NatsRpcWire.encode(outcome);
        if (e.size() > nats.getMaxPayload()) {
            e = NatsRpcWire.encode(NatsRpcCaller.tooLarge("answer", e.body().length, nats.getMaxPayload()));
        }
        try {
            nats.publish(replyTo, e.headers(), e.body());
        } catch (RuntimeException ex) { // the connection closed: the caller's node answers its call itself
            log.debug("an answer to another node could not be sent", ex);
        }
    }
}
