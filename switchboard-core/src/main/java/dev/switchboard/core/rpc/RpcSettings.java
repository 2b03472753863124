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
 * @param maxFanout                  members one {@code rpc.call_many} may go to ({@code --rpc-max-fanout})
 * @param streamWindow               a stream's chunks sent and not yet taken by the caller's connection
 *                                   ({@code --rpc-stream-window}); one more is refused {@code too_many_requests}
 */
public record RpcSettings(int maxInFlight, long defaultTimeoutMs, long maxTimeoutMs, int maxServedPerSession,
                          InProcessHandlers handlers, int maxFanout, int streamWindow) {
    public static final int DEFAULT_MAX_IN_FLIGHT = 65_536;
    public static final int DEFAULT_MAX_FANOUT = 256;
    public static final int DEFAULT_STREAM_WINDOW = 16;
    public static final long DEFAULT_TIMEOUT_MS = 30_000;
    public static final long DEFAULT_MAX_TIMEOUT_MS = 300_000;

    public RpcSettings {
        if (maxInFlight < 1) throw new IllegalArgumentException("--rpc-max-in-flight must be at least 1");
        if (defaultTimeoutMs < 1) throw new IllegalArgumentException("--rpc-default-timeout-ms must be at least 1");
        if (maxTimeoutMs < defaultTimeoutMs) {
            throw new IllegalArgumentException("--rpc-max-timeout-ms must be at least --rpc-default-timeout-ms");
        }
        if (handlers == null) handlers = InProcessHandlers.NONE;
        if (maxFanout < 1) throw new IllegalArgumentException("--rpc-max-fanout must be at least 1");
        if (streamWindow < 1) throw new IllegalArgumentException("--rpc-stream-window must be at least 1");
    }

    /** The settings with the default fan-out and stream window. */
    public RpcSettings(int maxInFlight, long defaultTimeoutMs, long maxTimeoutMs, int maxServedPerSession,
                       InProcessHandlers handlers) {
        this(maxInFlight, defaultTimeoutMs, maxTimeoutMs, maxServedPerSession, handlers, DEFAULT_MAX_FANOUT,
                DEFAULT_STREAM_WINDOW);
    }

    public static RpcSettings defaults() {
        return new RpcSettings(DEFAULT_MAX_IN_FLIGHT, DEFAULT_TIMEOUT_MS, DEFAULT_MAX_TIMEOUT_MS, 1024, InProcessHandlers.NONE);
    }
}
