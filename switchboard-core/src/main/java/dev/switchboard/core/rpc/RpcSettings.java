package dev.switchboard.core.rpc;

/**
 * The settings of request/reply on one node.
 *
 * @param maxInFlight                calls in flight on the node at once ({@code --rpc-max-in-flight}); one more
 *                                   is refused {@code too_many_requests}
 * @param defaultTimeoutMs           a call's deadline when it names none ({@code --rpc-default-timeout-ms})
 * @param maxTimeoutMs               the longest deadline a call gets; a longer {@code timeout_ms} is cut to it
 *                                   ({@code --rpc-max-timeout-ms})
 * @param maxServedPerSession        patterns one session may serve ({@code --max-subscriptions}); 0 = no bound
 * @param handlers                   the embedding program's in-process handlers
 */
public record RpcSettings(int maxInFlight, long defaultTimeoutMs, long maxTimeoutMs, int maxServedPerSession,
                          InProcessHandlers handlers) {
    public static final int DEFAULT_MAX_IN_FLIGHT = 65_536;
    public static final long DEFAULT_TIMEOUT_MS = 30_000;
    public static final long DEFAULT_MAX_TIMEOUT_MS = 300_000;

    public RpcSettings {
        if (maxInFlight < 1) throw new IllegalArgumentException("--rpc-max-in-flight must be at least 1");
        if (defaultTimeoutMs < 1) throw new IllegalArgumentException("--rpc-default-timeout-ms must be at least 1");
        if (maxTimeoutMs < defaultTimeoutMs) {
            throw new IllegalArgumentException("--rpc-max-timeout-ms must be at least --rpc-default-timeout-ms");
        }
        if (handlers == null) handlers = InProcessHandlers.NONE;
    }

    public static RpcSettings defaults() {
        return new RpcSettings(DEFAULT_MAX_IN_FLIGHT, DEFAULT_TIMEOUT_MS, DEFAULT_MAX_TIMEOUT_MS, 1024, InProcessHandlers.NONE);
    }
}
