package dev.switchboard.bench.chaos;

import dev.switchboard.bench.ServerAddress;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the server still holds after the clients are gone, read from its {@code /metrics}: the
 * soak passes only when every lock slot, waiter, session, subscription (topic node), buffered
 * replay byte, lock key and connection is gone once leases, grace periods and idle timeouts ran out.
 */
final class ServerResidue {
    /** Gauge series that must read 0, with the most a clean server may show (the scrape's own HTTP connection). */
    private static final Map<String, Double> EXPECTED = new LinkedHashMap<>();

    static {
        EXPECTED.put("switchboard_locks_held", 0.0);
        EXPECTED.put("switchboard_lock_waiters", 0.0);
        EXPECTED.put("switchboard_lock_keys", 0.0);
        EXPECTED.put("switchboard_sessions", 0.0);
        EXPECTED.put("dflockd_http_sessions", 0.0);
        EXPECTED.put("switchboard_topic_nodes", 0.0);
        EXPECTED.put("switchboard_replay_buffered_bytes", 0.0);
        EXPECTED.put("switchboard_connections{transport=\"dflockd\"}", 0.0);
        EXPECTED.put("switchboard_connections{transport=\"json\"}", 0.0);
        EXPECTED.put("switchboard_connections{transport=\"json-frames\"}", 0.0);
        EXPECTED.put("switchboard_connections{transport=\"http\"}", 1.0);
        EXPECTED.put("switchboard_connections{transport=\"ws\"}", 0.0);
    }

    /** The series read last, and the ones above their bound (empty when the server is clean). */
    record Residue(Map<String, Double> values, List<String> leftovers, Duration waited) {
        boolean clean() {
            return leftovers.isEmpty();
        }
    }

    private ServerResidue() {
    }

    /** Scrapes every 100 ms until the server is clean or {@code timeout} has passed. */
    static Residue awaitClean(String host, int port, Duration timeout) throws InterruptedException {
        return awaitClean(List.of(new ServerAddress(host, port)), timeout);
    }

    /** Scrapes every node every 100 ms until each is clean or {@code timeout} has passed; with several nodes each series is named by its node. */
    static Residue awaitClean(List<ServerAddress> nodes, Duration timeout) throws InterruptedException {
        long start = System.nanoTime();
        long deadline = start + timeout.toNanos();
        while (true) {
            Duration waited = Duration.ofNanos(System.nanoTime() - start);
            Map<String, Double> values = new LinkedHashMap<>();
            List<String> leftovers = new ArrayList<>();
            for (ServerAddress node : nodes) {
                Residue r = read(node.host(), node.port(), waited);
                String prefix = nodes.size() == 1 ? "" : node.host() + ":" + node.port() + " ";
                r.values().forEach((k, v) -> values.put(prefix + k, v));
                r.leftovers().forEach(l -> leftovers.add(prefix + l));
            }
            Residue all = new Residue(values, leftovers, waited);
            if (all.clean() || System.nanoTime() > deadline) {
                return all;
            }
            Thread.sleep(100); // the soak's own polling of the server, not a test's wait
        }
    }

    static Residue read(String host, int port, Duration waited) {
        Map<String, Double> values = new LinkedHashMap<>();
        List<String> leftovers = new ArrayList<>();
        Map<String, Double> scraped;
        try {
            scraped = scrape(host, port);
        } catch (IOException e) {
            return new Residue(values, List.of("/metrics could not be read: " + e), waited);
        }
        for (Map.Entry<String, Double> e : EXPECTED.entrySet()) {
            Double v = scraped.get(e.getKey());
            if (v == null) {
                leftovers.add(e.getKey() + " missing from /metrics");
                continue;
            }
            values.put(e.getKey(), v);
            if (v > e.getValue()) {
                leftovers.add(e.getKey() + " = " + format(v) + " (at most " + format(e.getValue()) + " expected)");
            }
        }
        return new Residue(values, leftovers, waited);
    }

    static String format(double v) {
        return v == Math.rint(v) ? String.valueOf((long) v) : String.valueOf(v);
    }

    /** Every sample of the scrape, keyed by name and labels as written. */
    private static Map<String, Double> scrape(String host, int port) throws IOException {
        HttpLink link = new HttpLink(host, port);
        try {
            HttpLink.Answer answer = link.exchange("GET", "/metrics", null, null);
            if (answer.status() != 200) {
                throw new IOException("GET /metrics answered " + answer.status());
            }
            Map<String, Double> samples = new LinkedHashMap<>();
            for (String line : answer.body().split("\n")) {
                int space = line.lastIndexOf(' ');
                if (line.isBlank() || line.startsWith("#") || space <= 0) {
                    continue;
                }
                try {
                    samples.put(line.substring(0, space).trim(), Double.parseDouble(line.substring(space + 1).trim()));
                } catch (NumberFormatException ignored) {
                    // A value this check has no use for.
                }
            }
            return samples;
        } finally {
            link.close();
        }
    }
}
