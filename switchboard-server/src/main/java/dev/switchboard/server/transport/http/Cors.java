package dev.switchboard.server.transport.http;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import java.util.List;

/**
 * CORS as dflockd does it: an allow-list of origins ({@code *} = any) and a fixed set of methods and
 * headers. The native routes under {@code /api/} also allow the two headers a page needs for the
 * native HTTP API from another origin ({@code X-Switchboard-Key}, {@code Last-Event-ID}); the
 * dflockd routes keep dflockd's exact list.
 */
final class Cors {
    private static final String DFLOCKD_HEADERS = "Authorization, Content-Type, X-Dflockd-Session";
    private static final String NATIVE_HEADERS = "Authorization, Content-Type, X-Switchboard-Key, Last-Event-ID";

    private final List<String> allowed;

    Cors(List<String> allowed) {
        this.allowed = allowed;
    }

    boolean enabled() {
        return !allowed.isEmpty();
    }

    /** Adds the response headers for a request to {@code path} from {@code origin}; false when the origin is not allowed. */
    boolean apply(String origin, String path, HttpHeaders out) {
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
        out.set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_HEADERS, path.startsWith("/api/") ? NATIVE_HEADERS : DFLOCKD_HEADERS);
        out.set(HttpHeaderNames.ACCESS_CONTROL_MAX_AGE, "300");
        return true;
    }
}
