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
 *
 * <p>A chunk refused {@code unknown_request} means the call has ended at the caller's: it is ended
 * here ({@code callerEnded}) before the backend hears that refusal, so that the backend's next word
 * on the call ({@code rpc.respond}, another chunk) is refused too. The caller's node also says so on
 * {@code rpcstop} ({@link NatsServedStreams}), but that message is read on another dispatcher
 * thread than the chunk's answer, and it may also be sent after it: it cannot be relied on to come first.
 */
final class NatsChunkForwarder implements RpcStream {
    private final Connection nats;
    private final String subject;
    private final long deadlineNanos;
    /** Ends the call on this node: the caller's has ended it. */
    private final Runnable callerEnded;
    /** Guarded by this: completes when every chunk sent so far is answered. */
    private CompletableFuture<Void> answered = CompletableFuture.completedFuture(null);

    NatsChunkForwarder(Connection nats, String subject, long timeoutMs, Runnable callerEnded) {
        this.nats = nats;
        this.subject = subject;
        this.deadlineNanos = System.nanoTime() + timeoutMs * 1_000_000L; // a NATS request timeout: real time
        this.callerEnded = callerEnded;
    }

    @Override
    public CompletionStage<Void> send(Payload chunk) {
        byte[] body = chunk.toByteArray();
        if (body.length + NatsRpcWire.ENVELOPE_BYTES > nats.getMaxPayload()) {
            Reply r = NatsRpcCaller.tooLarge("chunk", body.length, nats.getMaxPayload());
            return CompletableFuture.failedFuture(new RpcStreamException(r.error(), r.message()));
        }
        CompletableFuture<Void> taken = new CompletableFuture<>();
        CompletableFuture<Message> answer;
        // Under this monitor: the chunks go out on NATS in the order of answered's chain. Their answers
        // are settled outside it, since ending the call (callerEnded) takes the call's own locks.
        synchronized (this) {
            long leftMs = Math.max(1, (deadlineNanos - System.nanoTime()) / 1_000_000L);
            try {
                answer = nats.requestWithTimeout(subject, NatsRpcWire.chunkHeaders(chunk), body, Duration.ofMillis(leftMs));
            } catch (RuntimeException e) {
                answer = CompletableFuture.failedFuture(e);
            }
            CompletableFuture<Void> before = answered;
            answered = CompletableFuture.allOf(before, taken.handle((v, e) -> null));
        }
        answer.whenComplete((m, err) -> settle(taken, m, err));
        return taken;
    }

    /** Completes once every chunk sent so far has its answer (or failed). */
    synchronized CompletionStage<Void> answered() {
        return answered;
    }

    private void settle(CompletableFuture<Void> taken, Message m, Throwable err) {
        if (err instanceof CompletionException ce && ce.getCause() != null) err = ce.getCause();
        RpcStreamException refused;
        if (err instanceof TimeoutException) {
            refused = new RpcStreamException(ErrorCode.SLOW_CONSUMER, "the call's deadline came before the caller read the chunk");
        } else if (err instanceof CancellationException || err != null || m.isStatusMessage()) {
            refused = unreachable(); // no responders: the caller's node is gone
        } else {
            Reply r = NatsRpcWire.decode(m);
            if (!r.isError()) {
                taken.complete(null);
                return;
            }
            refused = new RpcStreamException(r.error(), r.message());
        }
        // The backend is told the call has ended: so it has, here too, before it is told.
        if (refused.code() == ErrorCode.UNKNOWN_REQUEST) callerEnded.run();
        taken.completeExceptionally(refused);
    }

    private static RpcStreamException unreachable() {
        return new RpcStreamException(ErrorCode.UNKNOWN_REQUEST, "the caller's node cannot be reached: the call has ended");
    }
}
