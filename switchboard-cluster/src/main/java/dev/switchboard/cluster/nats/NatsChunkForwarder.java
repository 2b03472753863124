package dev.switchboard.cluster.nats;

import dev.switchboard.core.rpc.RpcStream;
import dev.switchboard.core.rpc.RpcStreamException;
import dev.switchboard.protocol.ErrorCode;
import dev.switchboard.protocol.Payload;
import dev.switchboard.protocol.Reply;
import io.nats.client.Connection;
import io.nats.client.Message;
import java.time.Duration;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeoutException;

/**
 * The serving node's side of a streaming call from another node: each chunk of the responder is a
 * NATS request to the call's chunk subject ({@link NatsCallerStreams}), and the caller's node's
 * answer is the chunk's — so the backend's {@code rpc.chunk} is answered when the caller took it.
 * A request waits at most the call's remaining time ({@code slow_consumer} past it, as on one node
 * when the deadline comes before the caller read); a chunk NATS cannot carry is
 * {@code frame_too_large}; a caller's node that cannot be reached is {@code unknown_request}.
 * {@link #answered()} completes once every chunk sent so far has its answer: the call's outcome
 * goes back only then, so that it never overtakes a chunk.
 */
final class NatsChunkForwarder implements RpcStream {
    private final Connection nats;
    private final String subject;
    private final long deadlineNanos;
    /** Guarded by this: completes when every chunk sent so far is answered. */
    private CompletableFuture<Void> answered = CompletableFuture.completedFuture(null);

    NatsChunkForwarder(Connection nats, String subject, long timeoutMs) {
        this.nats = nats;
        this.subject = subject;
        this.deadlineNanos = System.nanoTime() + timeoutMs * 1_000_000L; // a NATS request timeout: real time
    }

    @Override
    public synchronized CompletionStage<Void> send(Payload chunk) {
        byte[] body = chunk.toByteArray();
        if (body.length + NatsRpcWire.ENVELOPE_BYTES > nats.getMaxPayload()) {
            Reply r = NatsRpcCaller.tooLarge("chunk", body.length, nats.getMaxPayload());
            return CompletableFuture.failedFuture(new RpcStreamException(r.error(), r.message()));
        }
        long leftMs = Math.max(1, (deadlineNanos - System.nanoTime()) / 1_000_000L);
        CompletableFuture<Void> taken = new CompletableFuture<>();
        try {
            nats.requestWithTimeout(subject, NatsRpcWire.chunkHeaders(chunk), body, Duration.ofMillis(leftMs))
                    .whenComplete((m, err) -> settle(taken, m, err));
        } catch (RuntimeException e) {
            taken.completeExceptionally(unreachable());
        }
        CompletableFuture<Void> before = answered;
        answered = CompletableFuture.allOf(before, taken.handle((v, e) -> null));
        return taken;
    }

    /** Completes once every chunk sent so far has its answer (or failed). */
    synchronized CompletionStage<Void> answered() {
        return answered;
    }

    private static void settle(CompletableFuture<Void> taken, Message m, Throwable err) {
        if (err instanceof CompletionException ce && ce.getCause() != null) err = ce.getCause();
        if (err instanceof TimeoutException) {
            taken.completeExceptionally(new RpcStreamException(ErrorCode.SLOW_CONSUMER,
                    "the call's deadline came before the caller read the chunk"));
        } else if (err instanceof CancellationException || err != null || m.isStatusMessage()) {
            taken.completeExceptionally(unreachable()); // no responders: the caller's node is gone
        } else {
            Reply r = NatsRpcWire.decode(m);
            if (!r.isError()) taken.complete(null);
            else taken.completeExceptionally(new RpcStreamException(r.error(), r.message()));
        }
    }

    private static RpcStreamException unreachable() {
        return new RpcStreamException(ErrorCode.UNKNOWN_REQUEST, "the caller's node cannot be reached: the call has ended");
    }
}
