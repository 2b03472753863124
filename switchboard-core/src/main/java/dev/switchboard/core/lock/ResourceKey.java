package dev.switchboard.core.lock;

import java.util.Comparator;
import java.util.Objects;

/**
 * A lock or semaphore name within its namespace. Comparable, so that a HashMap bin that grows
 * into a tree can be searched by order instead of scanned.
 */
public record ResourceKey(LockKind kind, String name) implements Comparable<ResourceKey> {
    private static final Comparator<ResourceKey> ORDER =
            Comparator.comparing(ResourceKey::kind).thenComparing(ResourceKey::name);

    public ResourceKey {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(name, "name");
    }

    public static ResourceKey lock(String name) {
        return new ResourceKey(LockKind.LOCK, name);
    }

    public static ResourceKey semaphore(String name) {
        return new ResourceKey(LockKind.SEMAPHORE, name);
    }

    @Override
    public int compareTo(ResourceKey other) {
        return ORDER.compare(this, other);
    }
}
