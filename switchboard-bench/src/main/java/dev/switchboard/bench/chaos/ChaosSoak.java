package dev.switchboard.bench.chaos;

import dev.switchboard.bench.ServerAddress;
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
    private final List<Disruption> disruptions;

    ChaosSoak(ChaosSettings settings) {
        this(settings, List.of());
    }

    /** A soak during which each disruption (a NATS or etcd restart, say) is made once, at a random moment. */
    ChaosSoak(ChaosSettings settings, List<Disruption> disruptions) {
        this.settings = settings;
        this.disruptions = List.copyOf(disruptions);
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
        AnswerWatch answers = new AnswerWatch(settings.answerMargin().toMillis());
        cutter.scheduleWithFixedDelay(answers::sweep, 100, 100, TimeUnit.MILLISECONDS);
        List<String> disrupted = java.util.Collections.synchronizedList(new ArrayList<>());
        EventLoopGroup javaClients = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        long start = System.nanoTime();
        long deadline = start + settings.duration().toNanos();
        List<Thread> threads = new ArrayList<>();
        Transport[] transports = Transport.values();
        try {
            for (int i = 0; i < settings.clients(); i++) {
                Transport t = transports[i % transports.length];
                ServerAddress node = settings.serverOf(i);
                ChaosActor actor = new ChaosActor(i, t, (tr, random) -> open(node, tr, random, counts, javaClients, "chaos-" + tr),
                        settings, locks, semaphores, ledger, counts, cutter, start, deadline, answers, !disruptions.isEmpty());
                Thread thread = new Thread(actor, "chaos-client-" + i + "-" + t);
                thread.setDaemon(true);
                threads.add(thread);
                thread.start();
            }
            Thread disruptor = disruptor(start, counts, disrupted);
            // A scenario ends within a few leases of the deadline; waits are bounded by twice the lease.
            long joinBy = deadline + TimeUnit.MILLISECONDS.toNanos(settings.leaseMs() * 10 + 30_000);
            for (Thread thread : threads) {
                thread.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(joinBy - System.nanoTime())));
                if (thread.isAlive()) {
                    counts.unexpected(Transport.DFLOCKD, thread.getName() + " did not stop; interrupted");
                    thread.interrupt();
                }
            }
            disruptor.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(joinBy - System.nanoTime())));
        } finally {
            cutter.shutdownNow();
            javaClients.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        }
        Duration ran = Duration.ofNanos(System.nanoTime() - start);
        ServerResidue.Residue residue = ServerResidue.awaitClean(settings.servers(), settings.settleTimeout());
        GrantLedger.Verdict verdict = ledger.check();
        return new ChaosReport(settings, counts, ledger.grants(), ledger.stayedWaiters(), verdict, residue, ran,
                answers.hangs(), answers.described(), List.copyOf(disrupted));
    }

    /**
     * Makes each disruption once, in a random order, at random moments between 15% and 70% of the
     * run (so that the clients run both before and after each, and the last has time to recover
     * before the end); each one is done before the next starts.
     */
    private Thread disruptor(long start, OpCounts counts, List<String> done) {
        Random random = new Random(settings.seed() ^ 0x5DEECE66DL);
        List<Disruption> order = new ArrayList<>(disruptions);
        java.util.Collections.shuffle(order, random);
        long span = settings.duration().toNanos();
        List<Long> at = new ArrayList<>();
        for (int i = 0; i < order.size(); i++) {
            at.add(start + span * 15 / 100 + (long) (random.nextDouble() * span * 55 / 100));
        }
        java.util.Collections.sort(at);
        Thread t = new Thread(() -> {
            for (int i = 0; i < order.size(); i++) {
                Disruption d = order.get(i);
                try {
                    long wait = at.get(i) - System.nanoTime();
                    if (wait > 0) {
                        TimeUnit.NANOSECONDS.sleep(wait); // the chaos's own schedule, not a test's wait
                    }
                    long began = System.nanoTime();
                    d.action().run();
                    done.add(String.format("%s at %.1f s (took %d ms)", d.name(), (began - start) / 1e9,
                            TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - began)));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                } catch (Exception e) {
                    counts.unexpected(Transport.DFLOCKD, "disruption '" + d.name() + "' failed: " + e);
                }
            }
        }, "chaos-disruptor");
        t.setDaemon(true);
        t.start();
        return t;
    }

    private LockWire open(ServerAddress node, Transport t, Random random, OpCounts counts, EventLoopGroup group, String name)
            throws IOException {
        String host = node.host();
        int port = node.port();
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
