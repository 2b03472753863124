package dev.switchboard.cluster.nats;

import dev.switchboard.core.rpc.RpcCall;
import dev.switchboard.core.rpc.RpcStream;
import dev.switchboard.core.rpc.RpcTarget;
import dev.switchboard.core.rpc.RpcTracker;
import dev.switchboard.core.time.NodeClock;
import dev.switchboard.protocol.ErrorCode;
import dev.switchboard.protocol.Payload;
import dev.switchboard.protocol.Reply;
import io.nats.client.Connection;
import io.nats.client.ConnectionListener;
import io.nats.client.Message;
import io.nats.client.impl.Headers;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

/**
 * Other nodes, as the last target before the webhooks: a call that nothing on this node serves
 * goes to NATS as a request on {@code <prefix>.rpc.<name>} with the time its caller still waits,
 * and the answer — whatever outcome the serving node gave — becomes the call's outcome. NATS's
 * no-responders status is {@code no_responders} at once.
 *
 * <p>Explicit outcomes when NATS fails: a call made while this node is not connected to NATS is
 * {@code disconnected} at once; a call out on NATS when the connection drops is
 * {@code disconnected} then (whether the other node ran it is not known: it may have); a request
 * or answer larger than NATS's {@code max_payload} is {@code frame_too_large}. At most
 * {@link NatsRpcSettings#maxInFlight()} calls are out at once ({@link NatsRpcInFlight}); one more
 * is {@code too_many_requests}.
 */
final class NatsRpcCaller implements RpcTarget, ConnectionListener {
    private final Connection nats;
    private final NatsSubjects subjects;
    private final NodeClock clock;
    private final RpcTracker tracker;
    private final NatsRpcInFlight inFlight;
    private final Set<Out> out = ConcurrentHashMap.newKeySet();
    private final NatsCallerStreams streams;

    NatsRpcCaller(Connection nats, NatsSubjects subjects, NodeClock clock, RpcTracker tracker, NatsRpcInFlight inFlight,
                  NatsCallerStreams streams) {
        this.nats = nats;
        this.streams = streams;
        this.subjects = subjects;
        this.clock = clock;
        this.tracker = tracker;
        this.inFlight = inFlight;
    }

    @Override
    public boolean call(RpcCall call) {
        if (call.fromAnotherNode()) return false; // one hop only: the node that got it serves it or says why not
        long timeLeft = call.timeLeftMs(clock);
        Headers headers = NatsRpcWire.requestHeaders(call.payload(), timeLeft, call.idempotent());
        RpcStream toCaller = call.chunksToCaller();
        if (toCaller == null) {
            request(call.name(), call.payload(), headers, timeLeft, outcome -> tracker.complete(call, outcome));
            return true;
        }
        // A stream: the serving node sends the chunks to a subject of this call's own, answered
        // here once the caller's stream took each (NatsCallerStreams).
        String chunkSubject = streams.open(toCaller);
        headers.put(NatsRpcWire.STREAM, chunkSubject);
        Out pending = request(call.name(), call.payload(), headers, timeLeft, outcome -> {
            streams.close(chunkSubject);
            tracker.complete(call, outcome);
        });
        if (pending == null) return true;
        // The caller went (or its deadline came) before the serving node answered: that node ends
        // the call, and this node's slot is free now rather than at the serving node's answer.
        call.ended().thenRun(() -> {
            if (!out.contains(pending)) return;
            streams.cancel(chunkSubject);
            finish(pending, Reply.error(ErrorCode.CANCELLED, "the call ended on the caller's node"));
        });
        return true;
    }

    /**
     * A notify for one other node serving {@code name} (one per service, by queue group, as a
     * call): a request marked {@value NatsRpcWire#NOTIFY}, which the serving node answers as soon
     * as one of its members took it (or none could). It waits at most {@code timeoutMs}.
     */
    void notifyOne(String name, Payload payload, long timeoutMs, Consumer<Reply> outcome) {
        Headers headers = NatsRpcWire.requestHeaders(payload, timeoutMs, false);
        headers.put(NatsRpcWire.NOTIFY, "true");
        request(name, payload, headers, timeoutMs, outcome);
    }

    /**
     * One request out on NATS, its one outcome to {@code outcome}, with the refusals and failures above.
     *
     * @return the request while out; null when it was answered at once
     */
    private Out request(String name, Payload payload, Headers headers, long timeLeft, Consumer<Reply> outcome) {
        if (nats.getStatus() != Connection.Status.CONNECTED) {
            outcome.accept(natsLost());
            return null;
        }
        byte[] body = payload.toByteArray();
        if (body.length + NatsRpcWire.ENVELOPE_BYTES > nats.getMaxPayload()) {
            outcome.accept(tooLarge("request", body.length, nats.getMaxPayload()));
            return null;
        }
        if (!inFlight.acquire()) {
            outcome.accept(inFlight.refusal());
            return null;
        }
        Out pending = new Out(outcome);
        out.add(pending);
        CompletableFuture<Message> answer;
        try {
            answer = nats.requestWithTimeout(subjects.subject("rpc", name), headers, body, Duration.ofMillis(timeLeft));
        } catch (RuntimeException e) { // closed, or refused by the client (a size it knows better)
            finish(pending, natsLost());
            return null;
        }
        answer.whenComplete((m, err) -> finish(pending, outcome(m, err, timeLeft)));
        return pending;
    }

    /** A request out on NATS (equal only to itself), answered once: by NATS, or by the connection dropping. */
    private static final class Out {
        private final Consumer<Reply> outcome;

        Out(Consumer<Reply> outcome) {
            this.outcome = outcome;
        }

        Consumer<Reply> outcome() {
            return outcome;
        }
    }

    private void finish(Out pending, Reply reply) {
        if (!out.remove(pending)) return;
        inFlight.release();
        pending.outcome().accept(reply);
    }

    private static Reply outcome(Message m, Throwable err, long timeLeft) {
        if (err instanceof CompletionException ce && ce.getCause() != null) err = ce.getCause();
        if (err instanceof TimeoutException) return Reply.error(ErrorCode.TIMEOUT, "no answer within " + timeLeft + " ms");
        // jnats cancels a request that NATS answered with its no-responders status.
        if (err instanceof CancellationException) return noResponders();
        if (err != null) return Reply.error(ErrorCode.INTERNAL, "the request to another node failed");
        if (m.isStatusMessage()) {
            return m.getStatus().getCode() == 503 ? noResponders()
                    : Reply.error(ErrorCode.INTERNAL, "NATS answered with status " + m.getStatus().getCode());
        }
        return NatsRpcWire.decode(m);
    }

    static Reply noResponders() {
        return Reply.error(ErrorCode.NO_RESPONDERS, "nothing in the cluster serves this name");
    }

    static Reply natsLost() {
        return Reply.error(ErrorCode.DISCONNECTED, "this node has no connection to NATS: the call could not reach,"
                + " or hear back from, the node serving it");
    }

    static Reply tooLarge(String what, int bytes, long maxPayload) {
        return Reply.error(ErrorCode.FRAME_TOO_LARGE, "the " + what + " (" + bytes + " bytes) is larger than NATS"
                + " carries between nodes (max_payload " + maxPayload + " bytes, less " + NatsRpcWire.ENVELOPE_BYTES
                + " for headers)");
    }

    /** The connection to NATS dropped: every call out on it is answered now, not at its deadline. */
    @Override
    public void connectionEvent(Connection conn, Events type) {
        if (type != Events.DISCONNECTED && type != Events.CLOSED) return;
        for (Out pending : List.copyOf(out)) finish(pending, natsLost());
    }

    /** Notifies go to other nodes through {@link #notifyOne}, after this node's webhooks' turn is decided by the core. */
    @Override
    public boolean notify(RpcCall notice) {
        return false;
    }
}
