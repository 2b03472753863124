package dev.switchboard.client;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The lock and semaphore operations of the protocol, as async requests (see {@link SwitchboardClient}).
 * With {@code callerWaits} the caller blocks on the answer and enforces the client-side timeout
 * itself ({@link #limit}); else the connection times the request out.
 */
final class LockRequests {
    private static final Logger log = LoggerFactory.getLogger(LockRequests.class);

    private final RequestRouter requests;
    private final Duration requestTimeout;

    LockRequests(RequestRouter requests, Duration requestTimeout) {
        this.requests = requests;
        this.requestTimeout = requestTimeout;
    }

    /** How long a caller waits for the answer to a request that may wait {@code wait} on the server. */
    Duration limit(Duration wait) {
        return requestTimeout.plusMillis(Messages.nonNegativeMillis(wait, "timeout"));
    }

    Call<Optional<Grant>> acquire(Resource resource, Duration timeout, Duration lease, boolean callerWaits) {
        long timeoutMs = Messages.nonNegativeMillis(timeout, "timeout");
        LockMessage msg = new LockMessage(resource, resource.kind().acquireOp).timeoutMs(timeoutMs).lease(lease);
        return new Call<>(requests.send(msg, limit(timeout), callerWaits, releaseLateGrant(resource)),
                result -> Replies.grantOrTimeout(resource, result));
    }

    Call<EnqueueResult> enqueue(Resource resource, Duration lease, boolean callerWaits) {
        LockMessage msg = new LockMessage(resource, resource.kind().enqueueOp).lease(lease);
        return new Call<>(requests.send(msg, requestTimeout, callerWaits, releaseLateGrant(resource)),
                result -> Replies.enqueue(resource, result));
    }

    Call<Optional<Grant>> awaitGrant(Resource resource, Duration timeout, boolean callerWaits) {
        long timeoutMs = Messages.nonNegativeMillis(timeout, "timeout");
        LockMessage msg = new LockMessage(resource, resource.kind().waitOp).timeoutMs(timeoutMs);
        return new Call<>(requests.send(msg, limit(timeout), callerWaits, releaseLateGrant(resource)),
                result -> Replies.grantOrTimeout(resource, result));
    }

    Call<Duration> renew(Resource resource, String token, Duration lease, boolean callerWaits) {
        LockMessage msg = new LockMessage(resource, resource.kind().renewOp).token(token).lease(lease);
        return new Call<>(requests.send(msg, requestTimeout, callerWaits, null), Replies::renewedLease);
    }

    Call<Void> release(Resource resource, String token, boolean callerWaits) {
        LockMessage msg = new LockMessage(resource, resource.kind().releaseOp).token(token);
        return new Call<>(requests.send(msg, requestTimeout, callerWaits, null), result -> null);
    }

    Call<Integer> cancel(Resource resource, boolean callerWaits) {
        LockMessage msg = new LockMessage(resource, resource.kind().cancelOp);
        return new Call<>(requests.send(msg, requestTimeout, callerWaits, null), Replies::cancelled);
    }

    /**
     * A grant that arrives after the caller stopped waiting (request timeout, cancel, interrupt)
     * would hold the slot until its lease ends or the session closes, blocking everyone queued
     * behind it. Nobody can use it, so give it back.
     */
    private Consumer<Answer> releaseLateGrant(Resource resource) {
        return result -> {
            if (Replies.isGrant(result)) {
                String token = Replies.token(result);
                log.debug("releasing {} granted after its caller gave up", resource);
                release(resource, token, false).request().exceptionally(e -> null);
            }
        };
    }
}
