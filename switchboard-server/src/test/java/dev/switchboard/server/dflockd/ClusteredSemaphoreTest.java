package dev.switchboard.server.dflockd;

/**
 * {@link SemaphoreTest} against a clustered node: every dflockd answer is the same on a cluster,
 * including an idle key's limit, which etcd keeps for the GC idle time (docs/cluster.md, "Locks on etcd").
 */
class ClusteredSemaphoreTest extends SemaphoreTest implements SharedServer.Clustered {
}
