package dev.switchboard.bench.chaos;

import java.time.Duration;

/**
 * What a soak does.
 *
 * @param host          the server's host (loopback in practice)
 * @param port          its one port: every transport goes there
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
 */
record ChaosSettings(String host, int port, Duration duration, int clients, int lockKeys, int semaphoreKeys,
                     int semaphoreLimit, long leaseMs, double cutChance, int maxPauseMs, long seed,
                     Duration settleTimeout) {
    String describe() {
        return "chaos soak: " + duration.toSeconds() + " s, " + clients + " clients over " + host + ":" + port
                + ", " + lockKeys + " lock keys, " + semaphoreKeys + " semaphore keys (limit " + semaphoreLimit + ")"
                + ", lease " + leaseMs + " ms, cut chance " + cutChance + ", seed " + seed;
    }
}
