package dev.switchboard.bench.chaos;

/** A resource the soak contends for: a lock ({@code limit == 1}) or a semaphore of {@code limit} slots. */
record Target(String key, int limit) {
    boolean isSemaphore() {
        return limit > 1;
    }

    /** The namespace and key, as the checker groups grants: locks and semaphores are separate namespaces. */
    String id() {
        return (isSemaphore() ? "sem:" : "lock:") + key;
    }
}
