package dev.switchboard.cluster.etcd;

import java.time.Duration;
import java.util.Objects;

/**
 * What the etcd lock engine needs besides the lock table's own limits.
 *
 * @param prefix          the cluster's key prefix: keys live under {@code /<prefix>/locks/}
 * @param callTimeout     the deadline of every etcd call; a call that misses it fails the request
 *                        it serves ({@code FENCE_PERSISTENCE}) instead of hanging
 * @param nodeLeaseTtlSeconds the TTL of the node-wide etcd lease that waiting keys hang on: when the
 *                        node stops keeping it alive, its waiters vanish from every queue this long after
 */
public record EtcdLockSettings(String prefix, Duration callTimeout, long nodeLeaseTtlSeconds) {
    public static final String DEFAULT_PREFIX = "switchboard";

    public EtcdLockSettings {
        Objects.requireNonNull(prefix, "prefix");
        if (prefix.isEmpty() || prefix.contains("/")) throw new IllegalArgumentException("prefix must be one segment: " + prefix);
        if (callTimeout.isNegative() || callTimeout.isZero()) throw new IllegalArgumentException("callTimeout must be positive");
        if (nodeLeaseTtlSeconds < 2) throw new IllegalArgumentException("nodeLeaseTtlSeconds must be at least 2");
    }

    public static EtcdLockSettings defaults() {
        return new EtcdLockSettings(DEFAULT_PREFIX, Duration.ofSeconds(5), 5);
    }
}
