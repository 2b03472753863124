package dev.switchboard.server.transport.http;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import java.util.List;

/** CORS as dflockd does it: an allow-list of origins ({@code *} = any) and a fixed set of methods and headers. */
final class Cors {
    private final List<String> allowed;

    Cors(List<String> allowed) {
        this.allowed = allowed;
    }

    boolean enabled() {
        return !allowed.isEmpty();
    }

    /** Adds the response headers for a request from {@code origin}; false when the origin is not allowed. */
    boolean apply(String origin, HttpHeaders out) {
        if (origin == null || allowed.isEmpty()) return false;
        if (allowed.contains("*")) {
            out.set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_ORIGIN, "*");
        } else if (allowed.contains(origin)) {
            out.set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_ORIGIN, origin);
            out.add(HttpHeaderNames.VARY, "Origin");
        } else {
            return false;
        }
        out.set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_METHODS, "GET, POST, DELETE, OPTIONS");
        out.set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_HEADERS, "Authorization, Content-Type, X-Dflockd-Session");
        out.set(HttpHeaderNames.ACCESS_CONTROL_MAX_AGE, "300");
        return true;
    }
}
