package dev.switchboard.bench.chaos;

import dev.switchboard.bench.ServerAddress;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;

/**
 * What a soak does.
 *
 * @param servers       the nodes (one for a single server, every node of a cluster): client {@code i} talks to
 *                      node {@code (i + i / 6) mod n}, so every transport reaches every node; every transport is on each node's one port
 * @param duration      how long the clients run
 * @param clients       how many clients; client {@code i} uses transport {@code i mod 6}
 * @param lockKeys      lock keys all clients contend for
 * @param semaphoreKeys semaphore keys all clients contend for
 * @param semaphoreLimit slots of each semaphore
 * @param leaseMs       lease asked for (dflockd clients round it up to whole seconds)
 * @param cutChance     chance that a wait, and separately a hold, has its connection cut
 * @param maxPauseMs    longest pause between two scenarios of a client
 * @param seed          seed of every client's choices (thread timing still varies from run to run)
 * @param settleTimeout how long to wait, after the clients stop, for the server to hold nothing
 * @param answerMargin  how long past its own deadline (its wait timeout, 0 for the rest) a request may go
 *                      unanswered before it counts as a violation: no answer is a hang, not an outcome
 */
record ChaosSettings(List<ServerAddress> servers, Duration duration, int clients, int lockKeys, int semaphoreKeys,
                     int semaphoreLimit, long leaseMs, double cutChance, int maxPauseMs, long seed,
                     Duration settleTimeout, Duration answerMargin) {
    ChaosSettings {
        servers = List.copyOf(servers);
        if (servers.isEmpty()) throw new IllegalArgumentException("at least one server");
    }

    /** One server on {@code host:port}, with the default answer margin. */
    ChaosSettings(String host, int port, Duration duration, int clients, int lockKeys, int semaphoreKeys,
                  int semaphoreLimit, long leaseMs, double cutChance, int maxPauseMs, long seed, Duration settleTimeout) {
        this(List.of(new ServerAddress(host, port)), duration, clients, lockKeys, semaphoreKeys, semaphoreLimit, leaseMs,
                cutChance, maxPauseMs, seed, settleTimeout, Duration.ofSeconds(15));
    }

    /** The node client {@code i} talks to: transports go round fastest, so every transport lands on every node. */
    ServerAddress serverOf(int client) {
        return servers.get((client + client / Transport.values().length) % servers.size());
    }

    String describe() {
        return "chaos soak: " + duration.toSeconds() + " s, " + clients + " clients over "
                + servers.stream().map(s -> s.host() + ":" + s.port()).collect(Collectors.joining(", "))
                + ", " + lockKeys + " lock keys, " + semaphoreKeys + " semaphore keys (limit " + semaphoreLimit + ")"
                + ", lease " + leaseMs + " ms, cut chance " + cutChance + ", seed " + seed
                + ", answer margin " + answerMargin.toMillis() + " ms";
    }
}
