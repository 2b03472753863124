package dev.switchboard.core;

import dev.switchboard.core.lock.FenceGenerator;
import dev.switchboard.core.lock.LockOps;
import dev.switchboard.core.lock.InMemoryLockEngine;
import dev.switchboard.core.lock.LockEngine;
import dev.switchboard.core.lock.LockTableConfig;
import dev.switchboard.core.lock.ResourceKey;
import dev.switchboard.core.pubsub.SignalOps;
import dev.switchboard.core.pubsub.TopicTree;
import dev.switchboard.core.session.SessionRegistry;
import dev.switchboard.core.util.MonotonicClock;
import io.netty.util.HashedWheelTimer;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * The engine of one node: the lock engine, the topic tree, the sessions and the dispatchers that
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
                           SessionRegistry.Lifecycle sessions) {
        public Settings(LockTableConfig locks, long defaultLeaseMs, int maxSubscriptions, Path fenceStateFile) {
            this(locks, defaultLeaseMs, maxSubscriptions, fenceStateFile, SessionRegistry.Lifecycle.defaults());
        }
    }

    private final HashedWheelTimer timer;
    private final FenceGenerator fences;
    private final LockEngine locks;
    private final TopicTree topics = new TopicTree();
    private final SessionRegistry sessions;
    private final PreSessionConnections preSession = new PreSessionConnections();
    private final Dispatcher dflockdDispatcher = new Dispatcher();
    private final Dispatcher nativeDispatcher = new Dispatcher();

    public SwitchboardCore(Settings settings) {
        this.fences = settings.fenceStateFile() == null ? FenceGenerator.inMemory()
                : FenceGenerator.persistent(settings.fenceStateFile());
        // One wheel for every timer of the node: waits, leases, housekeeping.
        this.timer = new HashedWheelTimer(new DefaultThreadFactory("switchboard-timer", true), 10,
                TimeUnit.MILLISECONDS, 512);
        this.locks = new InMemoryLockEngine(settings.locks(), fences, timer, MonotonicClock.SYSTEM, this::lockLost);
        this.sessions = new SessionRegistry(locks, topics, timer, settings.sessions());

        LockOps lockOps = new LockOps(locks, settings.defaultLeaseMs());
        StatsOps statsOps = new StatsOps(locks, topics, this::connectionCount);
        lockOps.registerWith(dflockdDispatcher);
        statsOps.registerWith(dflockdDispatcher);
        new SignalOps(topics, settings.maxSubscriptions()).registerWith(dflockdDispatcher);
        lockOps.registerWith(nativeDispatcher);
        statsOps.registerWith(nativeDispatcher);
        new SignalOps(topics, settings.maxSubscriptions()).registerWith(nativeDispatcher);
        new dev.switchboard.core.session.SessionOps().registerWith(nativeDispatcher);
    }

    /** A lost lease is told to its session, found by owner id. */
    private void lockLost(long ownerId, ResourceKey key, String token) {
        SessionRegistry registry = sessions; // set right after the engine, before any lock is held
        if (registry != null) registry.lockLost(ownerId, key, token);
    }

    public LockEngine locks() {
        return locks;
    }

    public TopicTree topics() {
        return topics;
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
        return timer;
    }

    /** Operations of the dflockd line protocol: locks, stats and dflockd 1.x signals. */
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
        timer.stop();
        fences.close();
    }
}
