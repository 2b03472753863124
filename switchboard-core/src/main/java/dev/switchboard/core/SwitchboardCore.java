package dev.switchboard.core;

import dev.switchboard.core.lock.FenceGenerator;
import dev.switchboard.core.lock.LockOps;
import dev.switchboard.core.lock.LockEngine;
import dev.switchboard.core.lock.LockTableConfig;
import dev.switchboard.core.lock.ResourceKey;
import dev.switchboard.core.pubsub.SignalOps;
import dev.switchboard.core.pubsub.Broker;
import dev.switchboard.core.rpc.RequestReply;
import dev.switchboard.core.rpc.RpcSettings;
import dev.switchboard.core.pubsub.TopicHistories;
import dev.switchboard.core.pubsub.TopicOps;
import dev.switchboard.core.session.SessionRegistry;
import dev.switchboard.core.time.NodeClock;
import dev.switchboard.core.time.SystemClock;
import java.nio.file.Path;

/**
 * The engine of one node: the lock engine, the broker, the sessions and the dispatchers that
 * every transport feeds. Knows nothing of sockets.
 */
public final class SwitchboardCore implements AutoCloseable {
    /**
     * @param locks            lock engine limits and timers
     * @param defaultLeaseMs   the lease when a request names none
     * @param maxSubscriptions per session; 0 = unlimited
     * @param fenceStateFile   where the fence high-water mark is kept; null = memory only
     */
    public record Settings(LockTableConfig locks, long defaultLeaseMs, int maxSubscriptions, Path fenceStateFile,
                           SessionRegistry.Lifecycle sessions, RpcSettings rpc, TopicHistories.Settings topicHistory) {
        public Settings(LockTableConfig locks, long defaultLeaseMs, int maxSubscriptions, Path fenceStateFile) {
            this(locks, defaultLeaseMs, maxSubscriptions, fenceStateFile, SessionRegistry.Lifecycle.defaults());
        }

        public Settings(LockTableConfig locks, long defaultLeaseMs, int maxSubscriptions, Path fenceStateFile,
                        SessionRegistry.Lifecycle sessions) {
            this(locks, defaultLeaseMs, maxSubscriptions, fenceStateFile, sessions, RpcSettings.defaults(),
                    TopicHistories.Settings.NONE);
        }

        public Settings(LockTableConfig locks, long defaultLeaseMs, int maxSubscriptions, Path fenceStateFile,
                        SessionRegistry.Lifecycle sessions, RpcSettings rpc) {
            this(locks, defaultLeaseMs, maxSubscriptions, fenceStateFile, sessions, rpc, TopicHistories.Settings.NONE);
        }

        public Settings(LockTableConfig locks, long defaultLeaseMs, int maxSubscriptions, Path fenceStateFile,
                        SessionRegistry.Lifecycle sessions, TopicHistories.Settings topicHistory) {
            this(locks, defaultLeaseMs, maxSubscriptions, fenceStateFile, sessions, RpcSettings.defaults(), topicHistory);
        }
    }

    private final NodeClock clock;
    /** The clock this core started (and stops), or null when the embedder gave one. */
    private final SystemClock ownClock;
    private final FenceGenerator fences;
    private final LockEngine locks;
    private final Broker broker;
    private final TopicHistories topicHistories;
    private final SessionRegistry sessions;
    private final RequestReply rpc;
    private final dev.switchboard.core.relay.PeerDirectory peers;
    private final dev.switchboard.core.relay.PresenceOps presence;
    /** Topic join/leave watches (on the broker, made with it). */
    private final dev.switchboard.core.pubsub.TopicWatches topicWatches;
    private final dev.switchboard.core.relay.DirectMessages directMessages;
    private final PreSessionConnections preSession = new PreSessionConnections();
    /** Operations of both dispatchers, for the admin snapshot's throughput. */
    private final OperationCounts operationCounts = new OperationCounts();
    private final Dispatcher dflockdDispatcher = new Dispatcher(operationCounts);
    private final Dispatcher nativeDispatcher = new Dispatcher(operationCounts);

    /** A core on real time, with a timer thread of its own. */
    public SwitchboardCore(Settings settings) {
        this(settings, null);
    }

    /**
     * A core whose every lease, grace period, idle timeout and wait reads {@code clock} and
     * schedules on its timer (a {@link dev.switchboard.core.time.VirtualClock} in tests); null
     * means real time.
     */
    public SwitchboardCore(Settings settings, NodeClock clock) {
        this(settings, clock, Engines.IN_MEMORY);
    }

    /**
     * A core whose state lives in the engines {@code engines} makes ({@link Engines#IN_MEMORY}: in
     * this process; a cluster's: on NATS and etcd), on {@code clock} (null: real time).
     */
    public SwitchboardCore(Settings settings, NodeClock clock, Engines engines) {
        this.ownClock = clock == null ? SystemClock.start() : null;
        this.clock = clock == null ? ownClock : clock;
        this.fences = settings.fenceStateFile() == null ? FenceGenerator.inMemory()
                : FenceGenerator.persistent(settings.fenceStateFile());
        this.locks = engines.locks(settings.locks(), fences, this.clock, this::lockLost);
        this.topicHistories = new TopicHistories(settings.topicHistory(), this.clock::currentTimeMillis);
        this.broker = engines.broker(settings.maxSubscriptions(), topicHistories);
        this.peers = engines.peers();
        this.presence = new dev.switchboard.core.relay.PresenceOps(peers, java.util.concurrent.ForkJoinPool.commonPool());
        this.sessions = new SessionRegistry(locks, broker, settings.sessions(), this.clock);

        LockOps lockOps = new LockOps(locks, settings.defaultLeaseMs());
        StatsOps statsOps = new StatsOps(locks, broker, this::connectionCount);
        lockOps.registerWith(dflockdDispatcher);
        statsOps.registerWith(dflockdDispatcher);
        new SignalOps(broker, engines.signalCountWait()).registerWith(dflockdDispatcher);
        lockOps.registerWith(nativeDispatcher);
        statsOps.registerWith(nativeDispatcher);
        new SignalOps(broker).registerWith(nativeDispatcher);
        new TopicOps(broker).registerWith(nativeDispatcher);
        this.topicWatches = new dev.switchboard.core.pubsub.TopicWatches(broker, java.util.concurrent.ForkJoinPool.commonPool());
        topicWatches.registerWith(nativeDispatcher);
        new dev.switchboard.core.session.SessionOps().registerWith(nativeDispatcher);
        this.rpc = new RequestReply(settings.rpc(), this.clock, sessions, broker,
                engines.services(settings.rpc().maxServedPerSession()));
        rpc.registerWith(nativeDispatcher);
        // Every session is a peer (by its peer id) from its opening to its end; its watches end with it.
        dev.switchboard.core.relay.SessionPeers sessionPeers = new dev.switchboard.core.relay.SessionPeers(peers,
                replaced -> sessions.close(replaced, settings.sessions().releaseHeldOnEnd(), dev.switchboard.core.session.SessionEnd.REPLACED,
                        dev.switchboard.protocol.ErrorCode.REPLACED, "a newer session took this peer id (" + replaced.peerId() + ")"));
        this.directMessages = new dev.switchboard.core.relay.DirectMessages(peers, sessionPeers, this.clock);
        directMessages.registerWith(nativeDispatcher);
        // A backend's registrations follow its connections, and so does a session's presence.
        sessions.onPresence(new SessionRegistry.Presence() {
            @Override
            public void attached(dev.switchboard.core.session.Session s) {
                rpc.attached(s);
                sessionPeers.opened(s);
            }

            @Override
            public void away(dev.switchboard.core.session.Session s) {
                rpc.away(s);
                sessionPeers.away(s);
            }

            @Override
            public void ended(dev.switchboard.core.session.Session s) {
                rpc.ended(s);
            }
        });
        sessions.onPeerIds(new dev.switchboard.core.session.SessionLifecycleListener() {
            @Override
            public void opened(dev.switchboard.core.session.Session s) {
                sessionPeers.opened(s);
            }

            @Override
            public void ended(dev.switchboard.core.session.Session s, dev.switchboard.core.session.SessionEnd why) {
                sessionPeers.ended(s, why);
                presence.ended(s);
                topicWatches.ended(s);
                directMessages.ended(s);
            }
        });
        presence.registerWith(nativeDispatcher);
        engines.started(this);
    }

    /** Which session answers to each peer id, and who watches them (presence). */
    public dev.switchboard.core.relay.PeerDirectory peers() {
        return peers;
    }

    /** Presence watches: their bounds ({@link dev.switchboard.core.relay.PresenceOps#settings}) and limit hits. */
    public dev.switchboard.core.relay.DirectMessages directMessages() {
        return directMessages;
    }

    public dev.switchboard.core.relay.PresenceOps presence() {
        return presence;
    }

    /** Topic join/leave watches: their bounds and limit hits. */
    public dev.switchboard.core.pubsub.TopicWatches topicWatches() {
        return topicWatches;
    }

    /** Request/reply: the tracker of calls in flight, the backend services and the in-process handlers. */
    public RequestReply rpc() {
        return rpc;
    }

    /** A lost lease is told to its session, found by owner id. */
    private void lockLost(long ownerId, ResourceKey key, String token) {
        SessionRegistry registry = sessions; // set right after the engine, before any lock is held
        if (registry != null) registry.lockLost(ownerId, key, token);
    }

    public LockEngine locks() {
        return locks;
    }

    public Broker broker() {
        return broker;
    }

    /** The histories of the topics that keep one (for metrics). */
    public TopicHistories topicHistories() {
        return topicHistories;
    }

    public SessionRegistry sessions() {
        return sessions;
    }

    /** Connections accepted that have no session yet (see {@link PreSessionConnections}). */
    public PreSessionConnections preSessionConnections() {
        return preSession;
    }

    /**
     * What {@code stats} reports as {@code connections}: every open session, plus every accepted
     * connection that has none yet (as dflockd counts each accepted connection).
     */
    public int connectionCount() {
        return sessions.count() + preSession.count();
    }

    public io.netty.util.Timer timer() {
        return clock.timer();
    }

    /** The node's time: every deadline of the node reads it and schedules on its {@link #timer()}. */
    public NodeClock clock() {
        return clock;
    }

    /** Operations of the dflockd line protocol: locks, stats and dflockd 1.x signals. */
    public OperationCounts operationCounts() {
        return operationCounts;
    }

    public Dispatcher dflockdDispatcher() {
        return dflockdDispatcher;
    }

    /** Operations of the native protocol, version 1: locks, stats and signals. */
    public Dispatcher nativeDispatcher() {
        return nativeDispatcher;
    }

    @Override
    public void close() {
        sessions.close();
        locks.close();
        if (ownClock != null) ownClock.close();
        fences.close();
    }
}
