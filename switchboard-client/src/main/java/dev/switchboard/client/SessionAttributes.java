package dev.switchboard.client;

import dev.switchboard.protocol.Ops;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The session's attributes ({@code session.set}, {@code session.info}). What this client set is
 * kept, so that a new session (after {@code SESSION_LOST}) gets it again, as subscriptions and
 * services do; attributes set by the embedding server ({@code server.} keys) are the server's.
 */
final class SessionAttributes {
    private static final Logger log = LoggerFactory.getLogger(SessionAttributes.class);

    private final RequestRouter requests;
    private final Duration requestTimeout;
    private final Map<String, String> setByClient = new LinkedHashMap<>(); // guarded by this
    private CompletableFuture<?> last = CompletableFuture.completedFuture(null); // guarded by this: the change queued last

    SessionAttributes(RequestRouter requests, Duration requestTimeout) {
        this.requests = requests;
        this.requestTimeout = requestTimeout;
    }

    CompletableFuture<SessionInfo> info() {
        return requests.send(Messages.bare(Ops.SESSION_INFO), requestTimeout, null).thenApply(a -> SessionInfo.of(a.tree()));
    }

    /**
     * Sets the non-null values and removes the keys mapped to null, all or nothing. Changes go out
     * one after another, each once the one before was answered, so that what this client records
     * as set follows the server's order, and setting it all again on a new session never goes out
     * between a change and its answer.
     */
    CompletableFuture<SessionInfo> set(Map<String, String> changes) {
        Map<String, String> copy = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : changes.entrySet()) {
            copy.put(Objects.requireNonNull(e.getKey(), "attribute name"), e.getValue());
        }
        return after(() -> send(copy).thenApply(info -> {
            remember(copy);
            return info;
        }));
    }

    /** Runs {@code next} once every change queued before it was answered (or failed). */
    private synchronized <T> CompletableFuture<T> after(java.util.function.Supplier<CompletableFuture<T>> next) {
        CompletableFuture<T> result = last.handle((x, e) -> null).thenCompose(x -> next.get());
        last = result;
        return result;
    }

    private synchronized void remember(Map<String, String> changes) {
        changes.forEach((k, v) -> {
            if (v == null) {
                setByClient.remove(k);
            } else {
                setByClient.put(k, v);
            }
        });
    }

    private CompletableFuture<SessionInfo> send(Map<String, String> changes) {
        FieldsMessage msg = new FieldsMessage(Ops.SESSION_SET).put("attributes", changes);
        return requests.send(msg, requestTimeout, null).thenApply(a -> SessionInfo.of(a.tree()));
    }

    /** On a new session (the old one ended): sets again what this client had set, behind any change under way. */
    void sessionReplaced() {
        after(() -> {
            Map<String, String> again;
            synchronized (this) {
                again = new LinkedHashMap<>(setByClient);
            }
            return again.isEmpty() ? CompletableFuture.<SessionInfo>completedFuture(null) : send(again);
        }).exceptionally(e -> {
            log.warn("could not set the session's attributes again on the new session: {}", e.toString());
            return null;
        });
    }
}
