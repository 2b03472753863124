package dev.switchboard.client;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * A snapshot of a {@link SwitchboardClient.Builder}: what one client was built with. {@code tokens}
 * gives the token of each hello and refresh; null = no token. {@code refreshTokens}: it is a
 * supplier that {@code token.expiring} asks for a newer token (not one fixed token).
 */
record ClientSettings(
        String host,
        int port,
        Supplier<String> tokens,
        boolean refreshTokens,
        Duration connectTimeout,
        Duration requestTimeout,
        String clientName,
        Executor callbackExecutor,
        int maxInboundFrameBytes,
        boolean reconnect,
        Duration initialBackoff,
        Duration maxBackoff,
        int maxReconnectAttempts,
        Duration maxReconnectTime,
        List<Consumer<ConnectionEvent>> stateListeners,
        List<Consumer<Signal>> signalListeners) {

    ClientSettings {
        stateListeners = List.copyOf(stateListeners);
        signalListeners = List.copyOf(signalListeners);
    }

    String address() {
        return host + ":" + port;
    }
}
