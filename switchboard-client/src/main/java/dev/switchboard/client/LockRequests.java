package dev.switchboard.client;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/** The lock and semaphore operations of the protocol, as async requests (see {@link SwitchboardClient}). */
final class LockRequests {
    private static final Logger log = LoggerFactory.getLogger(LockRequests.class);

    private final RequestRouter requests;
    private final Duration requestTimeout;

    LockRequests(RequestRouter requests, Duration requestTimeout) {
        this.requests = requests;
        this.requestTimeout = requestTimeout;
    }

    CompletableFuture<Optional<Grant>> acquire(Resource resource, Duration timeout, Duration lease) {
        long timeoutMs = Messages.nonNegativeMillis(timeout, "timeout");
        ObjectNode msg = Messages.about(resource, resource.kind().acquireOp);
        msg.put("timeout_ms", timeoutMs);
        Messages.putLease(msg, lease);
        return Futures.derive(requests.send(msg, requestTimeout.plusMillis(timeoutMs), releaseLateGrant(resource)),
                result -> Replies.grantOrTimeout(resource, result));
    }

    CompletableFuture<EnqueueResult> enqueue(Resource resource, Duration lease) {
        ObjectNode msg = Messages.about(resource, resource.kind().enqueueOp);
        Messages.putLease(msg, lease);
        return Futures.derive(requests.send(msg, requestTimeout, releaseLateGrant(resource)),
                result -> Replies.enqueue(resource, result));
    }

    CompletableFuture<Optional<Grant>> awaitGrant(Resource resource, Duration timeout) {
        long timeoutMs = Messages.nonNegativeMillis(timeout, "timeout");
        ObjectNode msg = Messages.about(resource, resource.kind().waitOp);
        msg.put("timeout_ms", timeoutMs);
        return Futures.derive(requests.send(msg, requestTimeout.plusMillis(timeoutMs), releaseLateGrant(resource)),
                result -> Replies.grantOrTimeout(resource, result));
    }

    CompletableFuture<Duration> renew(Resource resource, String token, Duration lease) {
        ObjectNode msg = Messages.about(resource, resource.kind().renewOp);
        msg.put("token", Objects.requireNonNull(token, "token"));
        Messages.putLease(msg, lease);
        return requests.send(msg, requestTimeout, null).thenApply(Replies::renewedLease);
    }

    CompletableFuture<Void> release(Resource resource, String token) {
        ObjectNode msg = Messages.about(resource, resource.kind().releaseOp);
        msg.put("token", Objects.requireNonNull(token, "token"));
        return requests.send(msg, requestTimeout, null).thenApply(result -> null);
    }

    /**
     * A grant that arrives after the caller stopped waiting (request timeout, cancel, interrupt)
     * would hold the slot until its lease ends or the session closes, blocking everyone queued
     * behind it. Nobody can use it, so give it back.
     */
    private Consumer<JsonNode> releaseLateGrant(Resource resource) {
        return result -> {
            if (Replies.isGrant(result)) {
                String token = Replies.token(result);
                log.debug("releasing {} granted after its caller gave up", resource);
                release(resource, token).exceptionally(e -> null);
            }
        };
    }
}
