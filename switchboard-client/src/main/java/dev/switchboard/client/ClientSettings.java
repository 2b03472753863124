package dev.switchboard.client;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.function.Consumer;

/** A snapshot of a {@link SwitchboardClient.Builder}: what one client was built with. */
record ClientSettings(
        String host,
        int port,
        String authToken,
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
