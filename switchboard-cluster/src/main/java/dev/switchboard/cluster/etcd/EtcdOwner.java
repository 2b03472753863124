package dev.switchboard.cluster.etcd;

import java.util.LinkedHashSet;
import java.util.Set;

/** One incarnation of an owner id on this node and its live requests. Engine thread only. */
final class EtcdOwner {
    final long id;
    final Set<EtcdWaiter> requests = new LinkedHashSet<>();

    EtcdOwner(long id) {
        this.id = id;
    }
}
