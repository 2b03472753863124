package dev.switchboard.server.transport.http;

import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Routes of the HTTP APIs: a method and a path pattern whose {@code {name}} segments capture one
 * percent-decoded path segment each (so a key with a slash is sent as {@code %2F}).
 */
public final class Router {
    /** Handles one matched request; must answer the exchange exactly once. */
    @FunctionalInterface
    public interface Handler {
        void handle(HttpExchange exchange);
    }

    /** A registered route; {@code pattern} is also the metrics label of the requests it serves. */
    public record Route(HttpMethod method, String pattern, Handler handler) {
        String[] segments() {
            return pattern.substring(1).split("/", -1);
        }
    }

    /** The outcome of routing: a route and its parameters, or the methods the path allows (for 405). */
    public record Match(Route route, Map<String, String> params, Set<String> allowed) {
    }

    private final List<Route> routes = new ArrayList<>();

    public Router add(HttpMethod method, String pattern, Handler handler) {
        for (Route r : routes) {
            if (r.method().equals(method) && r.pattern().equals(pattern)) {
                throw new IllegalArgumentException("route registered twice: " + method + " " + pattern);
            }
        }
        routes.add(new Route(method, pattern, handler));
        return this;
    }

    public List<Route> routes() {
        return List.copyOf(routes);
    }

    /** Null when no route has this path. */
    public Match match(HttpMethod method, String rawPath) {
        String[] parts = rawPath.length() <= 1 ? new String[] {""} : rawPath.substring(1).split("/", -1);
        Set<String> allowed = new LinkedHashSet<>();
        for (Route r : routes) {
            Map<String, String> params = bind(r.segments(), parts);
            if (params == null) continue;
            if (r.method().equals(method)) return new Match(r, params, Set.of());
            allowed.add(r.method().name());
        }
        return allowed.isEmpty() ? null : new Match(null, Map.of(), allowed);
    }

    private static Map<String, String> bind(String[] pattern, String[] parts) {
        if (pattern.length != parts.length) return null;
        Map<String, String> params = new LinkedHashMap<>();
        for (int i = 0; i < pattern.length; i++) {
            String p = pattern[i];
            if (p.startsWith("{") && p.endsWith("}")) {
                params.put(p.substring(1, p.length() - 1),
                        QueryStringDecoder.decodeComponent(parts[i].replace("+", "%2B"), StandardCharsets.UTF_8));
            } else if (!p.equals(parts[i])) {
                return null;
            }
        }
        return params;
    }
}
