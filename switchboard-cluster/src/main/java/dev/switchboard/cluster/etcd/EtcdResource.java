package dev.switchboard.cluster.etcd;

import dev.switchboard.core.lock.ResourceKey;
import io.etcd.jetcd.Watch;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * This node's view of one lock or semaphore key: its own requests on it, the watch on its queue
 * while it has any, and the chain its etcd steps run on one after another (so that operations on
 * one key take effect in the order they were called). Engine thread only.
 */
final class EtcdResource {
    final ResourceKey key;
    final String queuePrefix;
    final List<EtcdWaiter> local = new ArrayList<>();
    final Map<String, EtcdWaiter> heldByToken = new HashMap<>();
    final Map<Long, EtcdWaiter> twoPhase = new HashMap<>();
    /** Completes when every step chained so far has run. */
    CompletableFuture<Void> tail = CompletableFuture.completedFuture(null);
    int pendingSteps;
    /** Counts against the key cap: some request was admitted on it (a release or renew alone does not count). */
    boolean counted;
    Watch.Watcher watcher;
    long lastActivityNanos;

    EtcdResource(ResourceKey key, String queuePrefix, long nowNanos) {
        this.key = key;
        this.queuePrefix = queuePrefix;
        this.lastActivityNanos = nowNanos;
    }

    boolean hasWaiting() {
        for (EtcdWaiter w : local) {
            if (w.state == EtcdWaiter.State.WAITING) return true;
        }
        return false;
    }

    void closeWatch() {
        if (watcher != null) {
            watcher.close();
            watcher = null;
        }
    }
}
