package dev.switchboard.server.webhook;

import dev.switchboard.core.rpc.ResponseHooks;
import dev.switchboard.server.transport.JsonSupport;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * URL response hooks ({@code reply_to: {"url":…}}) through the server's HTTP client. Only URLs
 * under a prefix of {@code --rpc-hook-url-allow} may be used: a hook is a client telling the
 * server where to POST, and without the list any client could make the server reach addresses
 * only it can reach (its loopback, the internal network, a cloud metadata endpoint).
 */
public final class HookUrls implements ResponseHooks.UrlPoster {
    private final List<String> allowedPrefixes;
    private final OutboundHttp http;
    private final Duration timeout;

    /** @param timeout how long one POST may take, connection included */
    public HookUrls(List<String> allowedPrefixes, OutboundHttp http, Duration timeout) {
        this.allowedPrefixes = List.copyOf(allowedPrefixes);
        this.http = http;
        this.timeout = timeout;
    }

    @Override
    public String refusal(String url) {
        URI uri;
        try {
            uri = new URI(url).normalize(); // so that "allowed/../elsewhere" is read as "elsewhere"
        } catch (URISyntaxException e) {
            return "not a URL: " + e.getMessage();
        }
        String why = WebhookRule.httpUrlError(uri);
        if (why != null) return why;
        if (allowedPrefixes.isEmpty()) {
            return "this server allows no URL response hooks (--rpc-hook-url-allow is empty)";
        }
        String normalized = uri.toString();
        for (String prefix : allowedPrefixes) {
            if (normalized.startsWith(prefix)) return null;
        }
        return "the URL is not under a prefix of --rpc-hook-url-allow";
    }

    @Override
    public CompletionStage<?> post(String url, Map<String, Object> body) {
        return http.postJson(URI.create(url).normalize(), JsonSupport.write(body), timeout).thenCompose(r -> r.ok()
                ? CompletableFuture.completedFuture(r)
                : CompletableFuture.failedFuture(new IllegalStateException("the hook URL answered HTTP " + r.status())));
    }
}
