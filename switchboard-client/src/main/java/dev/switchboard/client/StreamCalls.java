package dev.switchboard.client;

import dev.switchboard.protocol.Payload;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.core.JsonGenerator;
import tools.jackson.databind.JsonNode;

/**
 * The caller's side of streams: the {@code rpc.call}s with {@code stream:true} in flight, by the
 * request id the connection gave each (the {@code call} field of an {@code rpc.chunk} event), and
 * the chunk listeners they feed, on the callback executor in order.
 */
final class StreamCalls {
    private static final Logger log = LoggerFactory.getLogger(StreamCalls.class);

    private final Map<Long, Consumer<Payload>> byRequestId = new ConcurrentHashMap<>();
    private final Consumer<Runnable> inOrder;

    /** {@code inOrder} runs a task on the callback executor after the ones queued before it. */
    StreamCalls(Consumer<Runnable> inOrder) {
        this.inOrder = inOrder;
    }

    /** An {@code rpc.call} message that learns its request id when sent (again, after a reconnect). */
    final class Call implements Outgoing {
        private final FieldsMessage msg;
        private final Consumer<Payload> onChunk;
        private volatile long id = -1;

        Call(FieldsMessage msg, Consumer<Payload> onChunk) {
            this.msg = msg;
            this.onChunk = onChunk;
        }

        @Override
        public String op() {
            return msg.op();
        }

        @Override
        public void writeFields(JsonGenerator g) {
            msg.writeFields(g);
        }

        @Override
        public void assigned(long requestId) {
            long old = id;
            if (old >= 0) byRequestId.remove(old, onChunk);
            id = requestId;
            byRequestId.put(requestId, onChunk);
        }

        /** The call has its answer: no more chunks for it. */
        void ended() {
            long current = id;
            if (current >= 0) byRequestId.remove(current, onChunk);
        }
    }

    /** An {@code rpc.chunk} event (on the I/O thread). */
    void onChunk(JsonNode event) {
        JsonNode call = event.get("call");
        Consumer<Payload> listener = call != null && call.isIntegralNumber() ? byRequestId.get(call.asLong()) : null;
        if (listener == null) {
            log.debug("a chunk for no stream of this client: {}", event.path("rid").asString("?"));
            return;
        }
        Payload chunk = PayloadNodes.readOrEmpty(event);
        inOrder.accept(() -> {
            try {
                listener.accept(chunk);
            } catch (RuntimeException e) {
                log.warn("a stream's chunk listener threw", e);
            }
        });
    }

    /** Runs {@code task} after every chunk listener call queued so far (the final answer comes after its chunks). */
    void afterChunks(Runnable task) {
        inOrder.accept(task);
    }
}
