package dev.switchboard.client;

import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * A lock or a semaphore on the server. The two live in separate namespaces, so the lock
 * {@code "k"} and the semaphore {@code "k"} are different resources; a semaphore also carries
 * the limit that every user of its key must agree on.
 */
public final class Resource {
    /** Which namespace a resource lives in; the value is the operation prefix on the wire. */
    public enum Kind {
        LOCK("lock"), SEMAPHORE("sem");

        private final String opPrefix;

        Kind(String opPrefix) {
            this.opPrefix = opPrefix;
        }

        String op(String name) {
            return opPrefix + "." + name;
        }
    }

    private final Kind kind;
    private final String key;
    private final int limit;

    private Resource(Kind kind, String key, int limit) {
        this.kind = kind;
        this.key = validateKey(key);
        this.limit = limit;
    }

    public static Resource lock(String key) {
        return new Resource(Kind.LOCK, key, 1);
    }

    public static Resource semaphore(String key, int limit) {
        if (limit < 1 || limit > 1_048_576) {
            throw new IllegalArgumentException("semaphore limit must be between 1 and 1048576, got " + limit);
        }
        return new Resource(Kind.SEMAPHORE, key, limit);
    }

    // Checked here as well as on the server so a bad key fails at the call site with a clear
    // message instead of as an invalid_argument answer from far away.
    private static String validateKey(String key) {
        Objects.requireNonNull(key, "key");
        int bytes = key.getBytes(StandardCharsets.UTF_8).length;
        if (bytes < 1 || bytes > 256) {
            throw new IllegalArgumentException("key must be 1 to 256 bytes of UTF-8, got " + bytes);
        }
        for (int i = 0; i < key.length(); i++) {
            char c = key.charAt(i);
            if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
                throw new IllegalArgumentException("key must not contain space, tab, CR or LF: " + key);
            }
        }
        return key;
    }

    public Kind kind() {
        return kind;
    }

    public String key() {
        return key;
    }

    /** The semaphore limit; 1 for a lock. */
    public int limit() {
        return limit;
    }

    public boolean isSemaphore() {
        return kind == Kind.SEMAPHORE;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Resource r && r.kind == kind && r.limit == limit && r.key.equals(key);
    }

    @Override
    public int hashCode() {
        return Objects.hash(kind, key, limit);
    }

    @Override
    public String toString() {
        return kind == Kind.LOCK ? "lock " + key : "semaphore " + key + " (limit " + limit + ")";
    }
}
