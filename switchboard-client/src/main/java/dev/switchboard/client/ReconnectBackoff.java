package dev.switchboard.client;

import java.time.Duration;
import java.util.Objects;
import java.util.random.RandomGenerator;

/**
 * Exponential backoff with full jitter: the delay before attempt {@code n} (from 0) is uniform in
 * {@code [0, min(max, initial * 2^n)]}. Full jitter spreads the reconnects of many clients that
 * lost the same server at the same moment, so they do not come back in one burst.
 */
final class ReconnectBackoff {
    private final long initialMs;
    private final long maxMs;
    private final RandomGenerator random;

    ReconnectBackoff(Duration initial, Duration max, RandomGenerator random) {
        this.initialMs = Math.max(1, initial.toMillis());
        this.maxMs = Math.max(this.initialMs, max.toMillis());
        this.random = Objects.requireNonNull(random, "random");
    }

    /** The upper bound of the delay before attempt {@code attempt}: {@code min(max, initial * 2^attempt)}. */
    long ceilingMillis(int attempt) {
        if (attempt < 0) {
            throw new IllegalArgumentException("attempt must not be negative, got " + attempt);
        }
        // Shift only while it cannot overflow or pass the cap.
        if (attempt >= 62 || initialMs > (maxMs >> attempt)) {
            return maxMs;
        }
        return Math.min(maxMs, initialMs << attempt);
    }

    /** The delay before attempt {@code attempt}: uniform in {@code [0, ceilingMillis(attempt)]}. */
    Duration delay(int attempt) {
        long ceiling = ceilingMillis(attempt);
        return Duration.ofMillis(random.nextLong(ceiling + 1));
    }
}
