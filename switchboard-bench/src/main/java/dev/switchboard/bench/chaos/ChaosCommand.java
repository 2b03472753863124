package dev.switchboard.bench.chaos;

import dev.switchboard.bench.ServerAddress;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code chaos}: the soak against a running server; exit 1 on any violation, leftover or unexpected error. */
@Command(name = "chaos", mixinStandardHelpOptions = true,
        description = {"Many clients over every transport (dflockd lines, native JSON lines and frames, WebSocket, HTTP, "
                + "the Java client) doing locks, semaphores, two-phase waits, renewals and signals while connections are cut, "
                + "leases run out and waits time out; checks every grant (exclusion, fences, FIFO) and that the server "
                + "holds nothing afterwards.",
                "Run it against a server with short grace periods, e.g. --session-grace 3 --http-session-idle-timeout 2 "
                + "--gc-interval 1 --gc-max-idle 1 (scripts/chaos-soak.sh starts one; see docs/benchmarks.md)."})
public final class ChaosCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--server", defaultValue = "127.0.0.1:6388",
            description = "host:port of the server, every transport on it; repeat it for each node of a cluster, the clients "
                    + "are spread over the nodes so that every transport reaches every node (default: ${DEFAULT-VALUE}).")
    java.util.List<String> servers;

    @Option(names = "--nats-restart-cmd",
            description = "Cluster soak: a shell command (sh -c) that restarts NATS and returns once it is started again; "
                    + "run --restarts times at random moments of the run.")
    String natsRestartCommand;

    @Option(names = "--etcd-restart-cmd",
            description = "Cluster soak: a shell command (sh -c) that restarts etcd and returns once it is started again; "
                    + "run --restarts times at random moments of the run.")
    String etcdRestartCommand;

    @Option(names = "--restarts", defaultValue = "1", description = "How many times each restart command runs (default: ${DEFAULT-VALUE}).")
    int restarts;

    @Option(names = "--answer-margin-ms", defaultValue = "15000",
            description = "A request unanswered this long past its own deadline (its wait timeout) counts as a violation "
                    + "and its connection is cut (default: ${DEFAULT-VALUE}; more than the cluster's etcd call deadline).")
    long answerMarginMs;

    @Option(names = "--duration", defaultValue = "60", description = "Seconds the clients run (default: ${DEFAULT-VALUE}).")
    long durationSeconds;

    @Option(names = "--clients", defaultValue = "24", description = "Clients; client i uses transport i mod 6 (default: ${DEFAULT-VALUE}).")
    int clients;

    @Option(names = "--keys", defaultValue = "4", description = "Lock keys everyone contends for (default: ${DEFAULT-VALUE}).")
    int keys;

    @Option(names = "--semaphore-keys", defaultValue = "2", description = "Semaphore keys (default: ${DEFAULT-VALUE}).")
    int semaphoreKeys;

    @Option(names = "--semaphore-limit", defaultValue = "3", description = "Slots per semaphore (default: ${DEFAULT-VALUE}).")
    int semaphoreLimit;

    @Option(names = "--lease-ms", defaultValue = "300", description = "Lease asked for; dflockd clients round up to 1 s (default: ${DEFAULT-VALUE}).")
    long leaseMs;

    @Option(names = "--cut-chance", defaultValue = "0.05", description = "Chance that a wait, and separately a hold, has its connection cut (default: ${DEFAULT-VALUE}).")
    double cutChance;

    @Option(names = "--max-pause-ms", defaultValue = "20", description = "Longest pause of a client between scenarios (default: ${DEFAULT-VALUE}).")
    int maxPauseMs;

    @Option(names = "--seed", defaultValue = "1", description = "Seed of the clients' choices (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--settle-timeout", defaultValue = "90",
            description = "Seconds to wait after the clients stop for the server to hold nothing: more than the server's "
                    + "session grace, twice its HTTP idle timeout and its gc max idle (default: ${DEFAULT-VALUE}).")
    long settleSeconds;

    @Override
    public Integer call() throws InterruptedException {
        check(durationSeconds >= 1, "--duration must be at least 1 second");
        check(clients >= 1 && clients <= 1000, "--clients must be 1..1000");
        check(keys >= 1 && semaphoreKeys >= 1, "--keys and --semaphore-keys must be at least 1");
        check(semaphoreLimit >= 2, "--semaphore-limit must be at least 2");
        check(leaseMs >= 50 && leaseMs <= 60_000, "--lease-ms must be 50..60000");
        check(cutChance >= 0 && cutChance <= 0.5, "--cut-chance must be 0..0.5");
        check(maxPauseMs >= 0 && maxPauseMs <= 10_000, "--max-pause-ms must be 0..10000");
        check(settleSeconds >= 1, "--settle-timeout must be at least 1 second");
        check(restarts >= 0 && restarts <= 100, "--restarts must be 0..100");
        check(answerMarginMs >= 100 && answerMarginMs <= 600_000, "--answer-margin-ms must be 100..600000");
        java.util.List<ServerAddress> addresses = new java.util.ArrayList<>();
        try {
            for (String server : servers) {
                addresses.add(ServerAddress.parse(server));
            }
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        ChaosSettings settings = new ChaosSettings(addresses, Duration.ofSeconds(durationSeconds),
                clients, keys, semaphoreKeys, semaphoreLimit, leaseMs, cutChance, maxPauseMs, seed,
                Duration.ofSeconds(settleSeconds), Duration.ofMillis(answerMarginMs));
        java.util.List<Disruption> disruptions = new java.util.ArrayList<>();
        for (int i = 0; i < restarts; i++) {
            if (natsRestartCommand != null) disruptions.add(ShellDisruption.of("NATS restart", natsRestartCommand));
            if (etcdRestartCommand != null) disruptions.add(ShellDisruption.of("etcd restart", etcdRestartCommand));
        }
        PrintWriter out = spec.commandLine().getOut();
        out.println(settings.describe());
        out.flush();
        ChaosReport report = new ChaosSoak(settings, disruptions).run();
        report.print(out);
        out.flush();
        return report.passed() ? 0 : 1;
    }

    private void check(boolean ok, String message) {
        if (!ok) {
            throw new CommandLine.ParameterException(spec.commandLine(), message);
        }
    }
}
