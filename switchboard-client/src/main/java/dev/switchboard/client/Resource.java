package dev.switchboard.client;

import dev.switchboard.protocol.Frame;
import dev.switchboard.protocol.Ops;
import java.util.Objects;

/**
 * A lock or a semaphore on the server. The two live in separate namespaces, so the lock
 * {@code "k"} and the semaphore {@code "k"} are different resources; a semaphore also carries
 * the limit that every user of its key must agree on.
 */
public final class Resource {
    /** Which namespace a resource lives in, with the names of its operations on the wire. */
    public enum Kind {
        LOCK(Ops.LOCK_ACQUIRE, Ops.LOCK_ENQUEUE, Ops.LOCK_WAIT, Ops.LOCK_RENEW, Ops.LOCK_RELEASE, Ops.LOCK_CANCEL),
        SEMAPHORE(Ops.SEM_ACQUIRE, Ops.SEM_ENQUEUE, Ops.SEM_WAIT, Ops.SEM_RENEW, Ops.SEM_RELEASE, Ops.SEM_CANCEL);

        final String acquireOp;
        final String enqueueOp;
        final String waitOp;
        final String renewOp;
        final String releaseOp;
        final String cancelOp;

        Kind(String acquireOp, String enqueueOp, String waitOp, String renewOp, String releaseOp, String cancelOp) {
            this.acquireOp = acquireOp;
            this.enqueueOp = enqueueOp;
            this.waitOp = waitOp;
            this.renewOp = renewOp;
            this.releaseOp = releaseOp;
            this.cancelOp = cancelOp;
        }

        /** The wire name of an action ({@code "acquire"}, {@code "wait"}...) on this kind of resource. */
        String op(String action) {
            return switch (action) {
                case "acquire" -> acquireOp;
                case "enqueue" -> enqueueOp;
                case "wait" -> waitOp;
                case "renew" -> renewOp;
                case "release" -> releaseOp;
                case "cancel" -> cancelOp;
                default -> throw new IllegalArgumentException("no such operation on a " + this + ": " + action);
            };
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

    // Checked here as well as on the server (by the same rule) so a bad key fails at the call
    // site with a clear message instead of as an invalid_argument answer from far away.
    private static String validateKey(String key) {
        Objects.requireNonNull(key, "key");
        String problem = Frame.keyError(key);
        if (problem != null) {
            // Shows the key only when it is short enough to read in a message.
            throw new IllegalArgumentException("key " + problem + (key.length() <= 64 ? ": " + key : ""));
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
