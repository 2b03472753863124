package dev.switchboard.client;

import dev.switchboard.protocol.Ops;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Keeps a session's signed token fresh: on the server's {@code token.expiring} event it asks the
 * application's token supplier for a current token (on the callback executor, since fetching one
 * may block) and sends it with {@code auth.refresh}. A refresh that fails is logged; the server then
 * ends the session with {@code token_expired} at the old expiry, and the client reconnects with
 * whatever the supplier gives then.
 */
final class TokenRefresher {
    private static final Logger log = LoggerFactory.getLogger(TokenRefresher.class);

    private final Supplier<String> tokens;
    private final RequestRouter requests;
    private final Duration timeout;
    private final Executor executor;

    TokenRefresher(Supplier<String> tokens, RequestRouter requests, Duration timeout, Executor executor) {
        this.tokens = tokens;
        this.requests = requests;
        this.timeout = timeout;
        this.executor = executor;
    }

    /** On the I/O thread: the server says the session's token expires soon. */
    void onExpiring(JsonNode event) {
        if (tokens == null) {
            log.warn("the session's token expires at {} and the client has no token supplier to refresh it (SwitchboardClient.Builder.tokenSupplier)",
                    Instant.ofEpochMilli(event.path("expires_at").asLong()));
            return;
        }
        CompletableFuture.supplyAsync(tokens::get, executor).thenCompose(this::refresh).whenComplete((expires, e) -> {
            if (e != null) {
                log.warn("refreshing the session's token failed: {}", Futures.unwrap(e).getMessage());
            } else {
                log.debug("token refreshed; it now expires at {}", expires);
            }
        });
    }

    /** Sends {@code token} with {@code auth.refresh}; completes with the new expiry. */
    CompletableFuture<Instant> refresh(String token) {
        if (token == null || token.isBlank()) {
            return CompletableFuture.failedFuture(new IllegalStateException("the token supplier gave no token"));
        }
        ObjectNode msg = Messages.create(Ops.AUTH_REFRESH);
        msg.put("token", token);
        return requests.send(Outgoing.of(msg), timeout, null)
                .thenApply(a -> Instant.ofEpochMilli(a.tree().path("expires_at").asLong()));
    }
}
