package dev.switchboard.cluster.etcd;

import dev.switchboard.cluster.testing.EtcdServer;
import dev.switchboard.core.lock.LockTableConfig;
import dev.switchboard.core.time.SystemClock;
import io.etcd.jetcd.Client;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Lock engines of test "nodes" sharing one etcd, each with its own client, real clock and node id,
 * all closed (engine, then clock, then client) by {@link #close}.
 */
final class EtcdEngineNodes implements AutoCloseable {
    private final EtcdServer etcd;
    private final EtcdLockSettings settings;
    private final LockTableConfig config;
    private final List<AutoCloseable> closing = new ArrayList<>();
    private final AtomicLong ownerIds = new AtomicLong(100);

    EtcdEngineNodes(EtcdServer etcd, EtcdLockSettings settings, LockTableConfig config) {
        this.etcd = etcd;
        this.settings = settings;
        this.config = config;
    }

    /** A lock table with a 50 ms sweep and the given GC idle time (collected every 100 ms). */
    static LockTableConfig collectingAfter(Duration gcMaxIdle) {
        return new LockTableConfig(0, 0, Duration.ofMillis(50), Duration.ofMillis(100), gcMaxIdle);
    }

    EtcdLockEngine node(String id) {
        Client client = Client.builder().endpoints(etcd.url()).build();
        SystemClock clock = SystemClock.start();
        EtcdLockEngine engine = new EtcdLockEngine(client, id, settings, config, clock.timer(), clock,
                (owner, key, token) -> { });
        closing.add(clock::close);
        closing.add(client::close);
        closing.add(engine::close);
        return engine;
    }

    /** A new owner (session) on that node. */
    long owner(EtcdLockEngine n) {
        long id = ownerIds.incrementAndGet();
        n.ownerStarted(id);
        return id;
    }

    @Override
    public void close() throws Exception {
        for (int i = closing.size() - 1; i >= 0; i--) closing.get(i).close();
        closing.clear();
    }
}
