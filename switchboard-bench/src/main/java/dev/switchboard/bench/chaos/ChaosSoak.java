package dev.switchboard.bench.chaos;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/** Runs a soak: starts the clients, stops them at the end, checks the ledger and what the server still holds. */
final class ChaosSoak {
    private final ChaosSettings settings;

    ChaosSoak(ChaosSettings settings) {
        this.settings = settings;
    }

    ChaosReport run() throws InterruptedException {
        List<Target> locks = new ArrayList<>();
        for (int i = 0; i < settings.lockKeys(); i++) {
            locks.add(new Target("chaos-lock-" + i, 1));
        }
        List<Target> semaphores = new ArrayList<>();
        for (int i = 0; i < settings.semaphoreKeys(); i++) {
            semaphores.add(new Target("chaos-sem-" + i, settings.semaphoreLimit()));
        }
        GrantLedger ledger = new GrantLedger();
        OpCounts counts = new OpCounts();
        ScheduledExecutorService cutter = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "chaos-cutter"));
        EventLoopGroup javaClients = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        long start = System.nanoTime();
        long deadline = start + settings.duration().toNanos();
        List<Thread> threads = new ArrayList<>();
        Transport[] transports = Transport.values();
        try {
            for (int i = 0; i < settings.clients(); i++) {
                Transport t = transports[i % transports.length];
                ChaosActor actor = new ChaosActor(i, t, (tr, random) -> open(tr, random, counts, javaClients, "chaos-" + tr),
                        settings, locks, semaphores, ledger, counts, cutter, start, deadline);
                Thread thread = new Thread(actor, "chaos-client-" + i + "-" + t);
                thread.setDaemon(true);
                threads.add(thread);
                thread.start();
            }
            // A scenario ends within a few leases of the deadline; waits are bounded by twice the lease.
            long joinBy = deadline + TimeUnit.MILLISECONDS.toNanos(settings.leaseMs() * 10 + 30_000);
            for (Thread thread : threads) {
                thread.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(joinBy - System.nanoTime())));
                if (thread.isAlive()) {
                    counts.unexpected(Transport.DFLOCKD, thread.getName() + " did not stop; interrupted");
                    thread.interrupt();
                }
            }
        } finally {
            cutter.shutdownNow();
            javaClients.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        }
        Duration ran = Duration.ofNanos(System.nanoTime() - start);
        ServerResidue.Residue residue = ServerResidue.awaitClean(settings.host(), settings.port(), settings.settleTimeout());
        GrantLedger.Verdict verdict = ledger.check();
        return new ChaosReport(settings, counts, ledger.grants(), ledger.stayedWaiters(), verdict, residue, ran);
    }

    private LockWire open(Transport t, Random random, OpCounts counts, EventLoopGroup group, String name) throws IOException {
        String host = settings.host();
        int port = settings.port();
        return switch (t) {
            case DFLOCKD -> new DflockdWire(host, port);
            case JSON_LINES, JSON_FRAMES, WEBSOCKET -> new NativeWire(t, over -> switch (over) {
                case JSON_LINES -> new StreamLink(host, port, false);
                case JSON_FRAMES -> new StreamLink(host, port, true);
                default -> new WebSocketLink(host, port);
            }, random, counts);
            case HTTP -> new HttpWire(host, port);
            case JAVA_CLIENT -> new JavaClientWire(host, port, group, name);
        };
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }
}
