package dev.switchboard.client;

import dev.switchboard.protocol.Payload;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import tools.jackson.databind.JsonNode;

/** The caller's side of request/reply ({@code rpc.call}, streams, {@code rpc.call_many}, {@code rpc.notify}), as async requests. */
final class RpcRequests {
    private final RequestRouter requests;
    private final Duration requestTimeout;
    private final StreamCalls streams;

    RpcRequests(RequestRouter requests, Duration requestTimeout, StreamCalls streams) {
        this.requests = requests;
        this.requestTimeout = requestTimeout;
        this.streams = streams;
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

    /**
     * {@code rpc.call} with {@code stream:true}: the chunks go to {@code onChunk} in order, on the
     * callback executor; the future completes after the last of them, with the final payload.
     */
    CompletableFuture<Payload> callStream(String name, Payload payload, Duration timeout, Consumer<Payload> onChunk) {
        long ms = Messages.nonNegativeMillis(timeout, "timeout");
        FieldsMessage msg = new FieldsMessage("rpc.call")
                .put("name", Objects.requireNonNull(name, "name"))
                .put("timeout_ms", ms)
                .put("stream", Boolean.TRUE)
                .payload(Objects.requireNonNull(payload, "payload"));
        StreamCalls.Call call = streams.new Call(msg, Objects.requireNonNull(onChunk, "onChunk"));
        CompletableFuture<Payload> result = new CompletableFuture<>();
        requests.send(call, requestTimeout.plus(timeout), null).whenComplete((a, e) -> {
            call.ended();
            // After the chunks already handed to the listener: the final answer is the last thing the caller sees.
            streams.afterChunks(() -> {
                if (e != null) result.completeExceptionally(Futures.unwrap(e));
                else result.complete(PayloadNodes.readOrEmpty(a.tree()));
            });
        });
        return result;
    }

    /** {@code rpc.call_many} to every service serving {@code name} ({@code targets} null) or to each of {@code targets}. */
    CompletableFuture<List<MemberReply>> callMany(String name, List<String> targets, Payload payload, Duration timeout,
                                                  int maxReplies) {
        long ms = Messages.nonNegativeMillis(timeout, "timeout");
        if (maxReplies < 0) throw new IllegalArgumentException("maxReplies must be 0 (all) or more");
        FieldsMessage msg = new FieldsMessage("rpc.call_many")
                .put("name", name)
                .put("targets", targets == null ? null : List.copyOf(targets))
                .put("timeout_ms", ms)
                .put("max_replies", maxReplies == 0 ? null : maxReplies)
                .payload(Objects.requireNonNull(payload, "payload"));
        return requests.send(msg, requestTimeout.plus(timeout), null).thenApply(a -> memberReplies(a.tree()));
    }

    private static List<MemberReply> memberReplies(JsonNode result) {
        List<MemberReply> out = new ArrayList<>();
        for (JsonNode e : result.path("replies")) {
            JsonNode member = e.get("member");
            String who = member == null || member.isNull() ? null : member.asString();
            JsonNode error = e.get("error");
            if (error != null && error.isObject()) {
                SwitchboardException ex = ServerErrors.toException(error);
                RpcException rpc = ex instanceof RpcException r ? r
                        : new RpcException(ex.code(), ex.getMessage(), false, null);
                out.add(new MemberReply(e.path("target").asString(), who, null, rpc));
            } else {
                out.add(new MemberReply(e.path("target").asString(), who, PayloadNodes.readOrEmpty(e), null));
            }
        }
        return List.copyOf(out);
    }

    CompletableFuture<Void> notify(String name, Payload payload, boolean ack) {
        FieldsMessage msg = new FieldsMessage("rpc.notify")
                .put("name", Objects.requireNonNull(name, "name"))
                .put("ack", ack ? Boolean.TRUE : null)
                .payload(Objects.requireNonNull(payload, "payload"));
        return requests.send(msg, requestTimeout, null).thenApply(a -> null);
    }
}
