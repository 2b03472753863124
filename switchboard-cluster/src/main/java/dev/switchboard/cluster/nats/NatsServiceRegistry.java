package dev.switchboard.cluster.nats;

import dev.switchboard.core.rpc.InMemoryServiceRegistry;
import dev.switchboard.core.rpc.ServiceEndpoint;
import dev.switchboard.core.rpc.ServiceRegistry;
import java.util.List;
import java.util.Optional;

/**
 * The service registry of a cluster node: this node's members, kept as the in-memory registry
 * keeps them (so {@link #pick} and {@link #members} answer with local members only, and a local
 * member is always preferred over one on another node), and each registration in force also
 * held as a NATS subscription ({@link NatsRpcSubscriptions}), so that other nodes' calls for
 * the name reach this node. Registrations stay local state: nothing is stored in NATS, and a
 * node's registrations disappear from the cluster with its connection.
 */
public final class NatsServiceRegistry implements ServiceRegistry {
    private final InMemoryServiceRegistry local;
    private final NatsRpcSubscriptions subscriptions;

    NatsServiceRegistry(int maxPerEndpoint, int maxTotal, NatsRpcSubscriptions subscriptions) {
        this.local = new InMemoryServiceRegistry(maxPerEndpoint, maxTotal);
        this.subscriptions = subscriptions;
    }

    @Override
    public Registered register(String pattern, String group, ServiceEndpoint endpoint) {
        Registered r = local.register(pattern, group, endpoint);
        if (!(r instanceof Registration reg)) return r;
        // The same handle comes back for a repeated registration: held once per distinct one.
        return held(reg, endpoint.endpointId());
    }

    /** Holds the subscription once per registration, and releases it when the registration closes. */
    private Registration held(Registration reg, String endpointId) {
        synchronized (this) {
            Counted c = counted.get(reg);
            if (c != null) return c;
            String g = reg.group() == null ? "" : reg.group();
            subscriptions.hold(reg.pattern(), g);
            Counted n = new Counted(reg, g, endpointId);
            counted.put(reg, n);
            return n;
        }
    }

    private final java.util.Map<Registration, Counted> counted = new java.util.IdentityHashMap<>(); // guarded by this

    /** A registration whose closing also releases its share of the NATS subscription (once). */
    private final class Counted implements Registration {
        private final Registration inner;
        private final String group;
        private final String endpointId;

        Counted(Registration inner, String group, String endpointId) {
            this.inner = inner;
            this.group = group;
            this.endpointId = endpointId;
        }

        @Override
        public String pattern() {
            return inner.pattern();
        }

        @Override
        public String group() {
            return inner.group();
        }

        @Override
        public void close() {
            inner.close();
            dropped(inner, group);
        }
    }

    private void dropped(Registration inner, String group) {
        synchronized (this) {
            if (counted.remove(inner) == null) return; // closed already
            subscriptions.release(inner.pattern(), group);
        }
    }

    @Override
    public Optional<ServiceEndpoint> pick(String name) {
        return local.pick(name);
    }

    @Override
    public List<ServiceEndpoint> members(String name) {
        return local.members(name);
    }

    @Override
    public void unregisterAll(String endpointId) {
        local.unregisterAll(endpointId);
        synchronized (this) {
            for (Counted c : List.copyOf(counted.values())) {
                if (c.endpointId.equals(endpointId)) dropped(c.inner, c.group);
            }
        }
    }

    @Override
    public int size() {
        return local.size();
    }

    /** This node's own members only: those of other nodes are not known here. */
    @Override
    public java.util.List<dev.switchboard.core.rpc.ServiceListing> listing() {
        return local.listing();
    }
}
