package dev.switchboard.core.lock;

import java.util.Objects;

/** A lock or semaphore name within its namespace. */
public record ResourceKey(LockKind kind, String name) {
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
}
