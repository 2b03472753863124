package dev.switchboard.cluster.nats;

import java.util.Map;

/**
 * The settings of request/reply across nodes.
 *
 * @param maxInFlight calls this node has out on NATS at once, waiting for another node's answer
 *                    ({@value #OPTION}, {@value #ENV}); one more is refused {@code too_many_requests}
 *                    at once, so a node cut off from its peers cannot pile up waiting calls
 */
public record NatsRpcSettings(int maxInFlight) {
    public static final String OPTION = "--cluster-rpc-max-in-flight";
    public static final String ENV = "SWITCHBOARD_CLUSTER_RPC_MAX_IN_FLIGHT";
    public static final int DEFAULT_MAX_IN_FLIGHT = 10_000;
    /** The name of the bound, as the node's limit counter reports a hit. */
    public static final String LIMIT = "cluster_rpc_max_in_flight";

    public NatsRpcSettings {
        if (maxInFlight < 1) throw new IllegalArgumentException(OPTION + " must be at least 1");
    }

    public static NatsRpcSettings defaults() {
        return new NatsRpcSettings(DEFAULT_MAX_IN_FLIGHT);
    }

    /** The settings from {@code env} ({@value #ENV}), the defaults for what it does not set. */
    public static NatsRpcSettings fromEnvironment(Map<String, String> env) {
        String v = env.get(ENV);
        if (v == null || v.isBlank()) return defaults();
        try {
            return new NatsRpcSettings(Integer.parseInt(v.trim()));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(ENV + " must be a whole number: " + v, e);
        }
    }
}
