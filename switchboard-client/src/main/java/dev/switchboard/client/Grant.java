package dev.switchboard.client;

import java.time.Duration;
import java.util.Objects;

/**
 * A slot held on a lock or semaphore: the fencing token that proves it, and the lease the server
 * applied (which may differ from the one asked for).
 */
public final class Grant {
    private final Resource resource;
    private final String token;
    private final Duration lease;

    public Grant(Resource resource, String token, Duration lease) {
        this.resource = Objects.requireNonNull(resource, "resource");
        this.token = Objects.requireNonNull(token, "token");
        this.lease = Objects.requireNonNull(lease, "lease");
    }

    public Resource resource() {
        return resource;
    }

    /** The fencing token: 32 lowercase hex characters. Pass it to the storage you protect. */
    public String token() {
        return token;
    }

    /** The lease that applies from the grant on. */
    public Duration lease() {
        return lease;
    }

    /** The fence counter of the token; see {@link #fenceOf(String)}. */
    public long fence() {
        return fenceOf(token);
    }

    /**
     * The first 16 hex characters of a token as an unsigned 64-bit number. Fences only grow, so a
     * storage system can reject writes carrying a fence lower than the last one it saw. Compare
     * with {@link Long#compareUnsigned(long, long)}: the counter may use the top bit.
     */
    public static long fenceOf(String token) {
        if (token == null || token.length() < 16) {
            throw new IllegalArgumentException("not a fencing token: " + token);
        }
        return Long.parseUnsignedLong(token.substring(0, 16), 16);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Grant g && g.resource.equals(resource) && g.token.equals(token) && g.lease.equals(lease);
    }

    @Override
    public int hashCode() {
        return Objects.hash(resource, token, lease);
    }

    @Override
    public String toString() {
        return "Grant[" + resource + ", token=" + token + ", lease=" + lease + "]";
    }
}
