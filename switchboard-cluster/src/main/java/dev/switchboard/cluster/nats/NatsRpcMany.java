package dev.switchboard.cluster.nats;

import dev.switchboard.core.rpc.OtherNodes;
import dev.switchboard.core.time.NodeClock;
import dev.switchboard.protocol.Payload;
import dev.switchboard.protocol.Reply;
import io.nats.client.Connection;
import io.nats.client.ConnectionListener;
import io.nats.client.Dispatcher;
import io.nats.client.Message;
import io.nats.client.Subscription;
import io.nats.client.impl.Headers;
import io.netty.util.Timeout;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Request-many to the other nodes: one message on {@code <prefix>.rpcmany.<name>}, which every
 * node serving the name receives (no queue group), with a reply subject of this request's own;
 * each node answers there once per member of its own, as each member's call ends. This node
 * gathers until the deadline, or until the caller has enough ({@code max_replies}), or at once
 * when NATS says no other node serves the name. NATS cannot say how many nodes received the
 * request, so a request-many that other nodes may answer ends at its deadline unless
 * {@code max_replies} is reached first. Each node also says which members it asked
 * ({@value #ASKED}), so that a member whose outcome has not come by the deadline is reported as
 * its {@code timeout} rather than left out.
 *
 * <p>When the request cannot go out (no connection to NATS, too large, the node's bound on calls
 * out), or the connection drops while it is gathering, the caller's answer has an entry for
 * member {@value #OTHER_NODES} with that error, and its {@code complete} is false.
 */
final class NatsRpcMany implements OtherNodes, ConnectionListener {
    /** The member named in an entry that speaks for every other node at once (they could not be asked). */
    static final String OTHER_NODES = "other-nodes";
    static final String MEMBER = "Sb-Member";
    /** A member a node has asked (sent before or after its outcome: whichever comes, the member is known). */
    static final String ASKED = "Sb-Asked";
    static final String ORIGIN = "Sb-Origin";
    static final String REQUEST_ID = "Sb-Request-Id";

    private final Connection nats;
    private final Dispatcher dispatcher;
    private final NatsSubjects subjects;
    private final String nodeId;
    private final NodeClock clock;
    private final NatsRpcInFlight inFlight;
    private final Set<Gathering> open = ConcurrentHashMap.newKeySet();

    NatsRpcMany(Connection nats, Dispatcher dispatcher, NatsSubjects subjects, String nodeId, NodeClock clock,
                NatsRpcInFlight inFlight) {
        this.nats = nats;
        this.dispatcher = dispatcher;
        this.subjects = subjects;
        this.nodeId = nodeId;
        this.clock = clock;
        this.inFlight = inFlight;
    }

    @Override
    public Runnable callEach(String name, Payload payload, long timeoutMs, Replies replies) {
        Reply refused = null;
        byte[] body = payload.toByteArray();
        if (nats.getStatus() != Connection.Status.CONNECTED) {
            refused = NatsRpcCaller.natsLost();
        } else if (body.length + NatsRpcWire.ENVELOPE_BYTES > nats.getMaxPayload()) {
            refused = NatsRpcCaller.tooLarge("request", body.length, nats.getMaxPayload());
        } else if (!inFlight.acquire()) {
            refused = inFlight.refusal();
        }
        if (refused != null) {
            replies.member(OTHER_NODES, refused);
            replies.done();
            return () -> { };
        }
        Gathering g = new Gathering(replies);
        open.add(g);
        String inbox = nats.createInbox();
        g.subscription = dispatcher.subscribe(inbox, g::onMessage);
        g.deadline = clock.timer().newTimeout(t -> g.end(), timeoutMs, TimeUnit.MILLISECONDS);
        Headers h = NatsRpcWire.requestHeaders(payload, Math.max(1, timeoutMs - returnAllowanceMs(timeoutMs)), false);
        h.put(ORIGIN, nodeId);
        h.put(REQUEST_ID, UUID.randomUUID().toString());
        try {
            nats.publish(subjects.subject(NatsRpcSubscriptions.MANY, name), inbox, h, body);
        } catch (RuntimeException e) { // closed meanwhile
            g.lost();
        }
        return g::end;
    }

    /**
     * How much sooner the other nodes end their members' calls than this node's gathering, so
     * that a member's own timeout (or any late outcome) travels back in time to be reported as
     * that member's entry: a tenth of the deadline, at most {@value #RETURN_ALLOWANCE_MS} ms.
     */
    static long returnAllowanceMs(long timeoutMs) {
        return Math.min(RETURN_ALLOWANCE_MS, timeoutMs / 10);
    }

    static final long RETURN_ALLOWANCE_MS = 200;

    /** The connection dropped: every gathering ends now, saying the other nodes could not answer. */
    @Override
    public void connectionEvent(Connection conn, Events type) {
        if (type != Events.DISCONNECTED && type != Events.CLOSED) return;
        for (Gathering g : List.copyOf(open)) g.lost();
    }

    /** One request-many out on NATS. */
    private final class Gathering {
        final Replies replies;
        final AtomicBoolean ended = new AtomicBoolean();
        volatile Subscription subscription;
        volatile Timeout deadline;

        Gathering(Replies replies) {
            this.replies = replies;
        }

        void onMessage(Message m) {
            if (ended.get()) return;
            if (m.isStatusMessage()) {
                if (m.getStatus().getCode() == 503) end(); // no other node serves it
                return;
            }
            if (m.getHeaders() == null) return;
            String asked = m.getHeaders().getFirst(ASKED);
            if (asked != null) {
                replies.asked(asked);
                return;
            }
            String member = m.getHeaders().getFirst(MEMBER);
            if (member != null) replies.member(member, NatsRpcWire.decode(m));
        }

        void lost() {
            if (!ended.get()) replies.member(OTHER_NODES, NatsRpcCaller.natsLost());
            end();
        }

        void end() {
            if (!ended.compareAndSet(false, true)) return;
            open.remove(this);
            inFlight.release();
            Timeout t = deadline;
            if (t != null) t.cancel();
            Subscription s = subscription;
            if (s != null && dispatcher.isActive()) dispatcher.unsubscribe(s);
            replies.done();
        }
    }
}
