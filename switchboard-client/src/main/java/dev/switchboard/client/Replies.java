package dev.switchboard.client;

import java.time.Duration;
import java.util.Optional;
import tools.jackson.databind.JsonNode;

/** Reads the {@code result} objects of lock and semaphore replies. */
final class Replies {
    private Replies() {
    }

    /** A grant, or empty for {@code {"status":"timeout"}}. */
    static Optional<Grant> grantOrTimeout(Resource resource, JsonNode result) {
        String status = status(result);
        if ("timeout".equals(status)) {
            return Optional.empty();
        }
        if ("acquired".equals(status)) {
            return Optional.of(grant(resource, result));
        }
        throw unexpected(result);
    }

    static EnqueueResult enqueue(Resource resource, JsonNode result) {
        String status = status(result);
        if ("queued".equals(status)) {
            return EnqueueResult.queued();
        }
        if ("acquired".equals(status)) {
            return EnqueueResult.acquired(grant(resource, result));
        }
        throw unexpected(result);
    }

    static Duration renewedLease(JsonNode result) {
        JsonNode lease = result.get("lease_ms");
        if (lease == null || !lease.isIntegralNumber()) {
            throw unexpected(result);
        }
        return Duration.ofMillis(lease.asLong());
    }

    static boolean isGrant(JsonNode result) {
        return "acquired".equals(status(result)) && result.get("token") != null;
    }

    static String token(JsonNode result) {
        JsonNode token = result.get("token");
        return token != null && token.isString() ? token.stringValue() : null;
    }

    static ServerLimits limits(JsonNode limits) {
        return new ServerLimits(
                (int) limits.path("max_frame_bytes").asLong(0),
                (int) limits.path("max_locks").asLong(0),
                (int) limits.path("max_waiters").asLong(0),
                Duration.ofMillis(limits.path("default_lease_ms").asLong(0)),
                Duration.ofMillis(limits.path("max_lease_ms").asLong(0)));
    }

    private static Grant grant(Resource resource, JsonNode result) {
        String token = token(result);
        JsonNode lease = result.get("lease_ms");
        if (token == null || lease == null || !lease.isIntegralNumber()) {
            throw unexpected(result);
        }
        return new Grant(resource, token, Duration.ofMillis(lease.asLong()));
    }

    private static String status(JsonNode result) {
        JsonNode status = result.get("status");
        return status != null && status.isString() ? status.stringValue() : null;
    }

    private static SwitchboardException unexpected(JsonNode result) {
        return new SwitchboardException("bad_reply", "unexpected reply from the server: " + result);
    }
}
