package dev.switchboard.cluster;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.nats.client.Connection;
import io.nats.client.ConnectionListener;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether the node reaches its two engines, for {@code /ready} and the metrics. NATS tells its
 * state itself (its connection listener, checked against the connection's status at every tick in
 * case an event is missed); etcd is asked: a read of one key every interval, with a deadline. At
 * most one etcd probe is in flight: probes never stack up during an outage.
 */
public final class ClusterHealth implements ConnectionListener, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ClusterHealth.class);

    private final ClusterSettings settings;
    private final ScheduledExecutorService timer;
    private volatile EngineStats nats;
    private volatile EngineStats etcd;
    private volatile Connection natsConnection;
    private volatile Client etcdClient;
    /** A probe still unanswered this many deadlines after its start is cancelled and a new one sent. */
    private static final int ABANDON_AFTER = 10;

    private CompletableFuture<?> probe; // touched only on the timer thread
    private long probeStartNanos;
    private volatile boolean closed;

    ClusterHealth(ClusterSettings settings) {
        this.settings = settings;
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "switchboard-cluster-health");
            t.setDaemon(true);
            return t;
        });
    }

    /** Starts watching; the first etcd probe runs at once. */
    void watch(Connection nats, Client etcd) {
        this.natsConnection = nats;
        this.etcdClient = etcd;
        this.nats = new EngineStats("nats", () -> nats.getStatistics().getRequestsSent(),
                () -> nats.getStatistics().getErrs() + nats.getStatistics().getExceptions());
        this.etcd = new EngineStats("etcd", () -> 0, () -> 0);
        checkNats();
        long every = settings.healthInterval().toMillis();
        timer.scheduleWithFixedDelay(this::tick, 0, every, TimeUnit.MILLISECONDS);
    }

    public EngineStats nats() {
        return nats;
    }

    public EngineStats etcd() {
        return etcd;
    }

    public List<EngineStats> engines() {
        return List.of(nats, etcd);
    }

    /** Null while both engines are reachable; otherwise why not (both reasons when both are down). */
    public String notReadyReason() {
        String n = nats.downReason();
        String e = etcd.downReason();
        if (n == null) return e;
        return e == null ? n : n + "; " + e;
    }

    @Override
    public void connectionEvent(Connection conn, Events type) {
        // jnats delivers on its own thread: only flags are set here.
        EngineStats stats = nats;
        if (stats == null || closed) return; // the first connect's events come before watch(); the last, after close()
        switch (type) {
            case CONNECTED, RECONNECTED, RESUBSCRIBED -> markNatsUp(stats);
            case DISCONNECTED, CLOSED -> markNatsDown(stats, type.getEvent().toLowerCase(java.util.Locale.ROOT));
            default -> { }
        }
    }

    private void tick() {
        try {
            checkNats();
            probeEtcd();
        } catch (RuntimeException e) {
            log.warn("cluster health check failed: {}", e.toString()); // keep the timer running
        }
    }

    private void checkNats() {
        Connection.Status status = natsConnection.getStatus();
        if (status == Connection.Status.CONNECTED) {
            markNatsUp(nats);
        } else {
            markNatsDown(nats, status.name().toLowerCase(java.util.Locale.ROOT));
        }
    }

    private void markNatsUp(EngineStats stats) {
        if (!stats.up()) log.info("NATS reachable again");
        stats.markUp();
    }

    private void markNatsDown(EngineStats stats, String how) {
        if (stats.up()) log.warn("NATS unreachable: {}", how);
        stats.markDown(how);
    }

    /**
     * Reads the health key. The call itself is never abandoned at its deadline (jetcd may not stop
     * it): the deadline only marks etcd unreachable, and the next probe waits until the call ends,
     * so that an outage never piles up calls. An answer after the deadline marks etcd reachable.
     */
    private void probeEtcd() {
        long now = System.nanoTime();
        if (probe != null && !probe.isDone()) {
            if (now - probeStartNanos < ABANDON_AFTER * settings.healthTimeout().toNanos()) return;
            probe.cancel(true); // stuck far past its deadline: try afresh
        }
        probeStartNanos = now;
        ByteSequence key = ByteSequence.from("/" + settings.prefix() + "/health", StandardCharsets.UTF_8);
        long timeoutMs = settings.healthTimeout().toMillis();
        java.util.concurrent.atomic.AtomicBoolean failed = new java.util.concurrent.atomic.AtomicBoolean();
        CompletableFuture<?> call = etcdClient.getKVClient().get(key);
        probe = call;
        call.whenComplete((r, err) -> {
            if (err == null) {
                etcd.roundTrip();
                if (!etcd.up()) log.info("etcd reachable again");
                etcd.markUp();
            } else if (failed.compareAndSet(false, true)) {
                Throwable cause = err instanceof java.util.concurrent.CompletionException && err.getCause() != null ? err.getCause() : err;
                etcdFailed(cause.toString());
            }
        });
        call.copy().orTimeout(timeoutMs, TimeUnit.MILLISECONDS).whenComplete((r, err) -> {
            if (err instanceof TimeoutException && failed.compareAndSet(false, true)) {
                etcdFailed("no answer within " + timeoutMs + " ms");
            }
        });
    }

    private void etcdFailed(String why) {
        etcd.error();
        if (etcd.up()) log.warn("etcd unreachable: {}", why);
        etcd.markDown(why);
    }

    @Override
    public void close() {
        closed = true;
        timer.shutdownNow();
        try {
            timer.awaitTermination(Duration.ofSeconds(2).toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
