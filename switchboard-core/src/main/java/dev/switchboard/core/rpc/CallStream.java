package dev.switchboard.core.rpc;

import dev.switchboard.core.session.Session;
import dev.switchboard.protocol.ErrorCode;
import dev.switchboard.protocol.Payload;
import dev.switchboard.protocol.PayloadFields;
import dev.switchboard.protocol.Reply;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * The chunks of one streaming call ({@code rpc.call} with {@code stream:true}) on their way to the
 * caller's session, in order, numbered from 0. A chunk is taken once a connection of the caller
 * wrote it; until then it counts against the window, so that a producer faster than the caller's
 * reading is held back instead of buffered: what one stream holds is at most the window's chunks.
 * The call's outcome ends the stream: chunks still waiting are then refused {@code slow_consumer}
 * (the deadline came while the caller read slowly) or {@code unknown_request} (the caller went,
 * the backend went, the drain), or taken as they are when the responder ended it normally.
 */
final class CallStream implements ResponderStream {
    private final RpcCall call;
    private final Object callerRequestId;
    private final int window;
    private final Consumer<String> limitHits;
    private final Runnable onTaken;
    private final Set<ChunkEvent> waiting = ConcurrentHashMap.newKeySet();
    /** Guarded by this: chunk numbers follow the order of emission. */
    private long nextIndex;
    private boolean ended;
    /** Guarded by this: who reads the stream at its URL, or null. */
    private StreamReader reader;

    CallStream(RpcCall call, Object callerRequestId, int window, Consumer<String> limitHits, Runnable onTaken) {
        this.call = call;
        this.callerRequestId = callerRequestId;
        this.window = window;
        this.limitHits = limitHits;
        this.onTaken = onTaken;
    }

    @Override
    public CompletionStage<Void> send(Payload chunk) {
        if (chunk == null) throw new IllegalArgumentException("chunk must not be null");
        ChunkEvent event;
        synchronized (this) {
            if (ended || call.isDone()) return refused(ErrorCode.UNKNOWN_REQUEST, "the call " + call.rid() + " has ended");
            if (waiting.size() >= window) {
                limitHits.accept("rpc_stream_window");
                return refused(ErrorCode.TOO_MANY_REQUESTS, "the stream has " + window
                        + " chunks not yet taken by the caller (--rpc-stream-window); send the next after an answer");
            }
            event = new ChunkEvent(fields(chunk), this, nextIndex, chunk);
            waiting.add(event);
            Session caller = call.caller();
            if (caller == null || !caller.emit(event)) {
                waiting.remove(event);
                return refused(ErrorCode.UNKNOWN_REQUEST, "the caller of " + call.rid() + " is gone");
            }
            nextIndex++;
            if (reader != null) reader.chunk(event.index(), chunk, event::written);
        }
        return event.taken();
    }

    private Map<String, Object> fields(Payload chunk) {
        Map<String, Object> e = new LinkedHashMap<>();
        e.put("op", "rpc.chunk");
        if (callerRequestId != null) e.put("call", callerRequestId);
        e.put("rid", call.rid());
        e.put("index", nextIndex);
        PayloadFields.put(e, chunk);
        return e;
    }

    /** A connection of the caller wrote {@code event}. */
    void taken(ChunkEvent event) {
        if (waiting.remove(event)) {
            onTaken.run();
            event.taken().complete(null);
        }
    }

    /**
     * {@code r} reads the stream from now on: it gets the chunks not yet taken, in order, then
     * each new one, then the outcome. False when the stream has ended or has a reader already.
     */
    @Override
    public synchronized boolean read(StreamReader r) {
        if (ended || call.isDone() || reader != null) return false;
        reader = r;
        List<ChunkEvent> pending = new java.util.ArrayList<>(waiting);
        pending.sort(java.util.Comparator.comparingLong(ChunkEvent::index));
        for (ChunkEvent e : pending) r.chunk(e.index(), e.payload(), e::written);
        return true;
    }

    /** {@code r} stopped reading (its client went). */
    @Override
    public synchronized void unread(StreamReader r) {
        if (reader == r) reader = null;
    }

    /** The call has its outcome: no more chunks; those still waiting are answered now. */
    @Override
    public void ended(Reply outcome) {
        StreamReader r;
        synchronized (this) {
            ended = true;
            r = reader;
            reader = null;
        }
        // After every chunk handed to it: ended is set under the same monitor as each hand-over.
        if (r != null) r.end(outcome);
        boolean normal = !outcome.isError() || outcome.error() == ErrorCode.APPLICATION;
        RpcStreamException refusal = normal ? null : outcome.error() == ErrorCode.TIMEOUT
                ? new RpcStreamException(ErrorCode.SLOW_CONSUMER, "the call's deadline came before the caller read the chunk")
                : new RpcStreamException(ErrorCode.UNKNOWN_REQUEST, "the call " + call.rid() + " has ended ("
                        + outcome.errorCode() + ")");
        for (ChunkEvent e : List.copyOf(waiting)) {
            if (!waiting.remove(e)) continue;
            // Ended by its responder: the chunks are queued ahead of the final reply, and go out.
            if (normal) e.taken().complete(null);
            else e.taken().completeExceptionally(refusal);
        }
    }

    /** Chunks sent and not yet taken (for tests). */
    int waiting() {
        return waiting.size();
    }

    private static CompletionStage<Void> refused(ErrorCode code, String message) {
        return CompletableFuture.failedFuture(new RpcStreamException(code, message));
    }
}
