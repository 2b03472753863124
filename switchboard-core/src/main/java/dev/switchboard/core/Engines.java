package dev.switchboard.core;

import dev.switchboard.core.lock.FenceSource;
import dev.switchboard.core.lock.InMemoryLockEngine;
import dev.switchboard.core.lock.LockEngine;
import dev.switchboard.core.lock.LockLostListener;
import dev.switchboard.core.lock.LockTableConfig;
import dev.switchboard.core.pubsub.Broker;
import dev.switchboard.core.pubsub.InMemoryBroker;
import dev.switchboard.core.pubsub.TopicHistories;
import dev.switchboard.core.relay.InMemoryPeerDirectory;
import dev.switchboard.core.relay.PeerDirectory;
import dev.switchboard.core.rpc.InMemoryServiceRegistry;
import dev.switchboard.core.rpc.ServiceRegistry;
import dev.switchboard.core.time.NodeClock;

/**
 * Where a node's state lives: the factory of its engines, asked once each when the core starts.
 * {@link #IN_MEMORY} (the default) keeps everything in this process; a cluster (the
 * {@code switchboard-cluster} module) overrides the engines it keeps elsewhere — locks on etcd,
 * messaging, services and peers on NATS — and every engine it returns must pass the same contract
 * suite as the in-memory one.
 */
public interface Engines {
    /** One node, in memory: no external system needed. */
    Engines IN_MEMORY = new Engines() {
    };

    /**
     * The lock engine.
     *
     * @param fences the node's fence source (durable when a state file is configured); a cluster
     *               engine may use its own (the etcd revision) instead
     * @param lost   to be told of every slot a holder loses without releasing it
     */
    default LockEngine locks(LockTableConfig config, FenceSource fences, NodeClock clock, LockLostListener lost) {
        return new InMemoryLockEngine(config, fences, clock.timer(), clock, lost);
    }

    /** The publish/subscribe engine, with the topic histories of this node. */
    default Broker broker(int maxSubscriptionsPerSubscriber, TopicHistories histories) {
        return new InMemoryBroker(maxSubscriptionsPerSubscriber, histories);
    }

    /** Who serves which request names. */
    default ServiceRegistry services(int maxPerEndpoint) {
        return new InMemoryServiceRegistry(maxPerEndpoint, 0);
    }

    /** Which endpoint answers to each peer id, and presence. */
    default PeerDirectory peers() {
        return new InMemoryPeerDirectory(0, 0);
    }

    /**
     * How long dflockd's {@code signal} waits for other nodes to report their deliveries before it
     * answers {@code ok N} ({@link Broker#publishCounted}). Zero by default: one node has nobody
     * to wait for, and its count is exact at once.
     */
    default java.time.Duration signalCountWait() {
        return java.time.Duration.ZERO;
    }

    /**
     * The core built from these engines is complete: an engine that must plug more into it than
     * the factories above return (a cluster's request/reply target, {@code core.rpc().addTarget})
     * does it here. Called once, at the end of the core's constructor; nothing by default.
     */
    default void started(SwitchboardCore core) {
    }
}
