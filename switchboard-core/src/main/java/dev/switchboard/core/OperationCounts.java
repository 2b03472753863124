package dev.switchboard.core;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Operations dispatched since the node started, by the transport that opened the requesting
 * session ({@code internal} for requests without one): an operator's throughput view. The keys
 * are the server's own transport names, a handful, so the map needs no bound.
 */
public final class OperationCounts {
    static final String INTERNAL = "internal";
    private final ConcurrentHashMap<String, LongAdder> byTransport = new ConcurrentHashMap<>();

    void count(String transport) {
        byTransport.computeIfAbsent(transport == null ? INTERNAL : transport, t -> new LongAdder()).increment();
    }

    /** A copy, sorted by transport. */
    public Map<String, Long> byTransport() {
        Map<String, Long> out = new TreeMap<>();
        byTransport.forEach((t, n) -> out.put(t, n.sum()));
        return out;
    }

    public long total() {
        long sum = 0;
        for (LongAdder n : byTransport.values()) sum += n.sum();
        return sum;
    }
}
