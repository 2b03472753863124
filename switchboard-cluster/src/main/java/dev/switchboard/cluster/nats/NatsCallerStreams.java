package dev.switchboard.cluster.nats;

import dev.switchboard.core.rpc.RpcStream;
import dev.switchboard.core.rpc.RpcStreamException;
import dev.switchboard.protocol.ErrorCode;
import dev.switchboard.protocol.Payload;
import dev.switchboard.protocol.Reply;
import io.nats.client.Connection;
import io.nats.client.Dispatcher;
import io.nats.client.Message;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The caller's side of streaming calls served on other nodes. Each such call out on NATS gets a
 * chunk subject of its own, {@code <prefix>.rpcchunk.<node id>.<n>}, named in its request
 * ({@code Sb-Stream}); the serving node sends each chunk there as a NATS request, and this node
 * answers it once the caller's own stream has taken it — or with why not ({@code too_many_requests}
 * when the window is full, {@code slow_consumer}, {@code unknown_request} once the call has ended)
 * — so the window and the backpressure are the caller's, as on one node. Chunks are handed to the
 * caller's stream on one dispatcher thread, in the order the serving node sent them.
 *
 * <p>Bounded: one entry per streaming call out on NATS, which {@link NatsRpcInFlight} bounds
 * ({@code --cluster-rpc-max-in-flight}). When the caller goes first, {@link #cancel} tells the
 * serving node (on {@code <prefix>.rpcstop}, which every node reads) to end the call there.
 */
final class NatsCallerStreams {
    static final String CHUNK = "rpcchunk";
    static final String STOP = "rpcstop";

    private final Connection nats;
    private final NatsSubjects subjects;
    private final String base;
    private final AtomicLong next = new AtomicLong();
    private final Map<String, RpcStream> open = new ConcurrentHashMap<>();

    NatsCallerStreams(Connection nats, Dispatcher dispatcher, NatsSubjects subjects, String nodeId) {
        this.nats = nats;
        this.subjects = subjects;
        this.base = subjects.single(CHUNK, nodeId);
        dispatcher.subscribe(base + ".*", this::chunk);
    }

    /** A chunk subject for {@code toCaller}, open until {@link #close}. */
    String open(RpcStream toCaller) {
        String subject = base + "." + next.incrementAndGet();
        open.put(subject, toCaller);
        return subject;
    }

    void close(String subject) {
        open.remove(subject);
    }

    /** The caller went before the serving node's answer: that node ends the call (its backend's next chunk gets {@code unknown_request}). */
    void cancel(String subject) {
        close(subject);
        try {
            nats.publish(subjects.prefix() + "." + STOP, subject.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        } catch (RuntimeException e) { // no connection: the serving node's call ends at its deadline
        }
    }

    /** Streaming calls out on NATS now (for tests). */
    int openNow() {
        return open.size();
    }

    private void chunk(Message m) {
        String replyTo = m.getReplyTo();
        if (replyTo == null || replyTo.isEmpty()) return;
        RpcStream toCaller = open.get(m.getSubject());
        if (toCaller == null) {
            answer(replyTo, Reply.error(ErrorCode.UNKNOWN_REQUEST, "the streaming call has ended on the caller's node"));
            return;
        }
        Payload chunk;
        try {
            chunk = NatsRpcWire.payload(m);
        } catch (RuntimeException e) {
            answer(replyTo, Reply.error(ErrorCode.INVALID_ARGUMENT, "the chunk could not be read on the caller's node"));
            return;
        }
        toCaller.send(chunk).whenComplete((ok, e) -> {
            if (e == null) {
                answer(replyTo, Reply.ok(Map.of()));
                return;
            }
            Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
            answer(replyTo, cause instanceof RpcStreamException r ? Reply.error(r.code(), r.getMessage())
                    : Reply.error(ErrorCode.INTERNAL, "the chunk could not be handed to the caller"));
        });
    }

    private void answer(String replyTo, Reply r) {
        NatsRpcWire.Encoded e = NatsRpcWire.encode(r);
        try {
            nats.publish(replyTo, e.headers(), e.body());
        } catch (RuntimeException ex) { // the connection closed: the serving node's chunk request times out
        }
    }
}
