package dev.switchboard.client;

import dev.switchboard.protocol.Payload;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;

/** The caller's side of request/reply ({@code rpc.call}, {@code rpc.notify}), as async requests. */
final class RpcRequests {
    private final RequestRouter requests;
    private final Duration requestTimeout;

    RpcRequests(RequestRouter requests, Duration requestTimeout) {
        this.requests = requests;
        this.requestTimeout = requestTimeout;
    }

    /**
     * The server ends the call at {@code timeout} itself (answering {@code timeout}); the client
     * waits that long plus its request timeout, for the answer to travel.
     */
    CompletableFuture<Payload> call(String name, Payload payload, Duration timeout) {
        long ms = Messages.nonNegativeMillis(timeout, "timeout");
        FieldsMessage msg = new FieldsMessage("rpc.call")
                .put("name", Objects.requireNonNull(name, "name"))
                .put("timeout_ms", ms)
                .payload(Objects.requireNonNull(payload, "payload"));
        return requests.send(msg, requestTimeout.plus(timeout), null).thenApply(a -> PayloadNodes.readOrEmpty(a.tree()));
    }

    CompletableFuture<Void> notify(String name, Payload payload, boolean ack) {
        FieldsMessage msg = new FieldsMessage("rpc.notify")
                .put("name", Objects.requireNonNull(name, "name"))
                .put("ack", ack ? Boolean.TRUE : null)
                .payload(Objects.requireNonNull(payload, "payload"));
        return requests.send(msg, requestTimeout, null).thenApply(a -> null);
    }
}
