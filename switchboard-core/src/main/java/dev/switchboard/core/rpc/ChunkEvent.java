package dev.switchboard.core.rpc;

import dev.switchboard.core.session.AcknowledgedEvent;
import dev.switchboard.core.session.FieldsEvent;
import dev.switchboard.protocol.Payload;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * One chunk of a stream on its way to the caller:
 * {@code {"op":"rpc.chunk","call":<the caller's request id>,"rid","index",payload}}. Its
 * {@link #taken()} stage completes when the caller's connection has written it.
 */
final class ChunkEvent implements AcknowledgedEvent {
    private final FieldsEvent fields;
    private final CallStream stream;
    private final long index;
    private final Payload payload;
    private final CompletableFuture<Void> taken = new CompletableFuture<>();

    ChunkEvent(Map<String, Object> fields, CallStream stream, long index, Payload payload) {
        this.fields = new FieldsEvent(fields);
        this.stream = stream;
        this.index = index;
        this.payload = payload;
    }

    long index() {
        return index;
    }

    Payload payload() {
        return payload;
    }

    @Override
    public String op() {
        return fields.op();
    }

    @Override
    public Map<String, Object> message(long seq) {
        return fields.message(seq);
    }

    @Override
    public long sizeEstimate() {
        return fields.sizeEstimate();
    }

    @Override
    public void written() {
        stream.taken(this);
    }

    CompletableFuture<Void> taken() {
        return taken;
    }
}
