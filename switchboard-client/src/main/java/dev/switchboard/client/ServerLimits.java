package dev.switchboard.client;

import java.time.Duration;

/**
 * The limits the server announced in {@code welcome}. Zero means unlimited for
 * {@link #maxLocks()} and {@link #maxWaiters()}.
 */
public record ServerLimits(int maxFrameBytes, int maxLocks, int maxWaiters, Duration defaultLease, Duration maxLease) {
}
