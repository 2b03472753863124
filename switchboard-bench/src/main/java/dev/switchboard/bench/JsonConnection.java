package dev.switchboard.bench;

import dev.switchboard.client.Grant;
import dev.switchboard.client.Resource;
import dev.switchboard.client.SwitchboardClient;
import io.netty.channel.EventLoopGroup;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/** The native JSON protocol through {@link SwitchboardClient}, on an event loop group shared by all workers. */
final class JsonConnection implements BenchConnection {
    private final SwitchboardClient client;

    JsonConnection(ServerAddress server, String authToken, Duration connectTimeout, EventLoopGroup group, boolean nativeTransport,
            Duration answerSpin) {
        SwitchboardClient.Builder builder = SwitchboardClient.builder()
                .host(server.host())
                .port(server.port())
                .authToken(authToken)
                .connectTimeout(connectTimeout)
                .clientName("switchboard-bench/0.1")
                .eventLoopGroup(group)
                .nativeTransport(nativeTransport) // for a client that owns its loop; a shared group is what it is
                .reconnect(false); // a benchmark measures connections as they are; a drop is an error
        if (answerSpin != null) {
            builder.answerSpin(answerSpin); // else the client's default; for its own loop only, as above
        }
        client = builder.connect();
    }

    @Override
    public String acquire(String key, long timeoutSeconds, long leaseSeconds) {
        Optional<Grant> grant = client.acquire(Resource.lock(key),
                Duration.ofSeconds(timeoutSeconds), Duration.ofSeconds(leaseSeconds));
        return grant.map(Grant::token).orElse(null);
    }

    @Override
    public void release(String key, String token) {
        client.release(Resource.lock(key), token);
    }

    /** Acquire then release through the async API; completes with false when the acquire timed out. */
    CompletableFuture<Boolean> cycleAsync(String key, long timeoutSeconds, long leaseSeconds) {
        Resource lock = Resource.lock(key);
        return client.acquireAsync(lock, Duration.ofSeconds(timeoutSeconds), Duration.ofSeconds(leaseSeconds))
                .thenCompose(grant -> grant.isEmpty() ? CompletableFuture.completedFuture(false)
                        : client.releaseAsync(lock, grant.get().token()).thenApply(v -> true));
    }

    @Override
    public void close() {
        client.close();
    }
}
