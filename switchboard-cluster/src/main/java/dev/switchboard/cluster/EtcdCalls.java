package dev.switchboard.cluster;

import java.util.concurrent.CompletableFuture;

/**
 * Counts the etcd calls of the node's engines into its etcd stats ({@code
 * switchboard_cluster_round_trips_total} and {@code switchboard_cluster_errors_total} with {@code
 * engine="etcd"}), beside the health probes: a call answered is a round trip, a call that failed or
 * missed its deadline an error. Engines made without a node (tests) count nothing.
 */
public final class EtcdCalls {
    /** Counts nothing. */
    public static final EtcdCalls UNCOUNTED = new EtcdCalls(null);

    private final EngineStats stats;

    EtcdCalls(EngineStats stats) {
        this.stats = stats;
    }

    /** Counts {@code call} when it ends (give it with its deadline applied); returns it. */
    public <T> CompletableFuture<T> counted(CompletableFuture<T> call) {
        if (stats != null) {
            call.whenComplete((r, e) -> {
                if (e == null) stats.roundTrip();
                else stats.error();
            });
        }
        return call;
    }
}
