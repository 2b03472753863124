package dev.switchboard.client;

import java.time.Duration;
import java.util.Optional;
import tools.jackson.databind.JsonNode;

/** Reads the {@code result} objects of lock and semaphore replies. */
final class Replies {
    private Replies() {
    }

    /** A grant, or empty for {@code {"status":"timeout"}}. */
    static Optional<Grant> grantOrTimeout(Resource resource, Answer result) {
        String status = result.string("status");
        if ("timeout".equals(status)) {
            return Optional.empty();
        }
        if ("acquired".equals(status)) {
            return Optional.of(grant(resource, result));
        }
        throw unexpected(result);
    }

    static EnqueueResult enqueue(Resource resource, Answer result) {
        String status = result.string("status");
        if ("queued".equals(status)) {
            return EnqueueResult.queued();
        }
        if ("acquired".equals(status)) {
            return EnqueueResult.acquired(grant(resource, result));
        }
        throw unexpected(result);
    }

    static Duration renewedLease(Answer result) {
        Long lease = result.integer("lease_ms");
        if (lease == null) {
            throw unexpected(result);
        }
        return Duration.ofMillis(lease);
    }

    /** How many pending acquires or waits a {@code cancel} ended. */
    static int cancelled(Answer result) {
        Long n = result.integer("cancelled");
        if (n == null) {
            throw unexpected(result);
        }
        return Math.toIntExact(n);
    }

    static boolean isGrant(Answer result) {
        return "acquired".equals(result.string("status")) && result.has("token");
    }

    static String token(Answer result) {
        return result.string("token");
    }

    static ServerLimits limits(JsonNode limits) {
        return new ServerLimits(
                (int) limits.path("max_frame_bytes").asLong(0),
                (int) limits.path("max_locks").asLong(0),
                (int) limits.path("max_waiters").asLong(0),
                Duration.ofMillis(limits.path("default_lease_ms").asLong(0)),
                Duration.ofMillis(limits.path("max_lease_ms").asLong(0)));
    }

    private static Grant grant(Resource resource, Answer result) {
        String token = token(result);
        Long lease = result.integer("lease_ms");
        if (token == null || lease == null) {
            throw unexpected(result);
        }
        return new Grant(resource, token, Duration.ofMillis(lease));
    }

    static SwitchboardException unexpected(Answer result) {
        return new SwitchboardException("bad_reply", "unexpected reply from the server: " + result);
    }
}
