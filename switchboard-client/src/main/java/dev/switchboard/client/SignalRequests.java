package dev.switchboard.client;

import dev.switchboard.protocol.Ops;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import tools.jackson.databind.node.ObjectNode;

/** The signal operations of the protocol, as async requests (see {@link SwitchboardClient}). */
final class SignalRequests {
    private final RequestRouter requests;
    private final Duration requestTimeout;

    SignalRequests(RequestRouter requests, Duration requestTimeout) {
        this.requests = requests;
        this.requestTimeout = requestTimeout;
    }

    CompletableFuture<Void> listen(String pattern, String group) {
        return subscription(Ops.SIGNAL_LISTEN, pattern, group);
    }

    CompletableFuture<Void> unlisten(String pattern, String group) {
        return subscription(Ops.SIGNAL_UNLISTEN, pattern, group);
    }

    CompletableFuture<Integer> publish(String channel, String payload) {
        ObjectNode msg = Messages.create(Ops.SIGNAL_PUBLISH);
        msg.put("channel", Objects.requireNonNull(channel, "channel"));
        msg.put("payload", Objects.requireNonNull(payload, "payload"));
        return requests.send(Outgoing.of(msg), requestTimeout, null).thenApply(r -> {
            Long delivered = r.integer("delivered");
            if (delivered == null) {
                throw Replies.unexpected(r);
            }
            return delivered.intValue();
        });
    }

    private CompletableFuture<Void> subscription(String op, String pattern, String group) {
        ObjectNode msg = Messages.create(op);
        msg.put("pattern", Objects.requireNonNull(pattern, "pattern"));
        if (group != null) {
            msg.put("group", group);
        }
        return requests.send(Outgoing.of(msg), requestTimeout, null).thenApply(r -> null);
    }
}
