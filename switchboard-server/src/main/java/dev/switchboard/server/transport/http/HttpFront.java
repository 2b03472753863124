package dev.switchboard.server.transport.http;

import dev.switchboard.server.limits.Limits;
import dev.switchboard.server.transport.ServerContext;
import dev.switchboard.server.transport.http.admin.AdminApi;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every HTTP request passes here, in dflockd's order: CORS, metrics, per-IP rate limit, bearer
 * auth (not on the admin routes, which have their own token), then routing (404 for an unknown
 * path, 405 with {@code Allow} for a known path with another method). A handler that throws
 * answers 500 and the connection keeps serving.
 */
public final class HttpFront extends SimpleChannelInboundHandler<FullHttpRequest> {
    private static final Logger log = LoggerFactory.getLogger(HttpFront.class);
    private static final Set<String> AUTH_EXEMPT = Set.of("/health", "/ready", "/v1/openapi.json", "/api/v1/openapi.json", "/demo");
    private static final Set<String> RATE_EXEMPT = Set.of("/health", "/ready");
    private static final Set<String> DRAIN_EXEMPT = Set.of("/health", "/ready", "/metrics");

    private final ServerContext server;
    private final HttpServices services;

    public HttpFront(ServerContext server, HttpServices services) {
        this.server = server;
        this.services = services;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
        ctx.pipeline().fireUserEventTriggered(RequestDeadline.REQUEST_COMPLETE); // from the head, past the deadline handler
        if (!request.decoderResult().isSuccess()) {
            Throwable cause = request.decoderResult().cause();
            HttpExchange bad = new HttpExchange(ctx.channel(), request);
            bad.extraHeaders().set(HttpHeaderNames.CONNECTION, "close");
            if (cause instanceof TooLongHttpHeaderException) {
                bad.error(HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE, "bad_request", "request headers too large");
            } else if (cause instanceof TooLongHttpLineException) {
                bad.error(HttpResponseStatus.REQUEST_URI_TOO_LONG, "bad_request", "request line too long");
            } else {
                bad.error(HttpResponseStatus.BAD_REQUEST, "bad_request", "malformed HTTP request");
            }
            return;
        }
        HttpExchange ex = new HttpExchange(ctx.channel(), request);
        String path = ex.path();
        Router.Match match = services.router().match(ex.method(), path);
        if (match != null && match.route() != null) ex.route(match.route().pattern(), match.params());
        services.metrics().track(ex);

        boolean corsAllowed = services.cors().apply(ex.header(HttpHeaderNames.ORIGIN), path, ex.extraHeaders());
        // A preflight from an allowed origin ends here; from any other origin it is routed like any
        // request (and, having no OPTIONS route, gets 405), as in dflockd.
        if (corsAllowed && ex.method().equals(HttpMethod.OPTIONS)
                && ex.header(HttpHeaderNames.ACCESS_CONTROL_REQUEST_METHOD) != null) {
            ex.noContent();
            return;
        }
        if (services.rateLimiter() != null && !RATE_EXEMPT.contains(path)
                && ex.remoteIp() != null && !services.rateLimiter().tryAcquire(ex.remoteIp())) {
            server.limitHit(Limits.HTTP_RATE_LIMIT_PER_IP);
            ex.error(HttpResponseStatus.TOO_MANY_REQUESTS, "rate_limited", null);
            return;
        }
        if (server.authRequired() && !authExempt(path) && server.identify(bearer(ex.header(HttpHeaderNames.AUTHORIZATION)), false) == null) {
            // The pause slows down token guessing, as on the TCP port.
            ctx.executor().schedule(() -> ex.error(HttpResponseStatus.UNAUTHORIZED, "unauthorized", null),
                    ServerContext.AUTH_FAILURE_DELAY_MS, TimeUnit.MILLISECONDS);
            return;
        }
        if (match == null) {
            ex.error(HttpResponseStatus.NOT_FOUND, "not_found", null);
            return;
        }
        if (match.route() == null) {
            ex.extraHeaders().set(HttpHeaderNames.ALLOW, String.join(", ", match.allowed()));
            ex.error(HttpResponseStatus.METHOD_NOT_ALLOWED, "method_not_allowed", null);
            return;
        }
        // Administration stays open while draining: an operator may end what holds up the stop;
        // so does a backend's answer to a call in flight, which the stop waits for.
        if (server.draining() && !DRAIN_EXEMPT.contains(path) && !path.startsWith("/api/v1/admin/")
                && !(path.startsWith("/api/v1/sessions/") && path.endsWith("/ops/rpc.respond"))) {
            ex.error(HttpResponseStatus.SERVICE_UNAVAILABLE, "draining", "the server is shutting down");
            return;
        }
        try {
            match.route().handler().handle(ex);
        } catch (RuntimeException e) {
            log.error("{} {} failed", ex.method(), path, e);
            if (!ex.answered()) ex.error(HttpResponseStatus.INTERNAL_SERVER_ERROR, "internal", e.toString());
        }
    }

    /**
     * Paths served without the bearer token: the public ones, the admin dashboard's static files
     * (which hold no data), and the admin routes, which check their own, separate token
     * ({@link AdminApi}): an operator's tool needs one credential, and a client's bearer token,
     * shared by every client, opens nothing there.
     */
    private static boolean authExempt(String path) {
        return AUTH_EXEMPT.contains(path) || path.startsWith(AdminApi.PREFIX) || path.equals("/admin") || path.startsWith("/admin/");
    }

    /** The token of {@code Authorization: Bearer <token>} (scheme case-insensitive, trimmed), or null. */
    /**
     * Who the client of an HTTP request is (see {@link ServerContext#identify}): its bearer
     * token's identity, or anonymous by its address; null when its token must be refused.
     */
    public static dev.switchboard.core.identity.Identity identity(ServerContext server, HttpExchange ex) {
        return server.identify(bearer(ex.header(HttpHeaderNames.AUTHORIZATION)), ServerContext.local(ex.channel().remoteAddress()));
    }

    /** The token of an {@code Authorization: Bearer …} header, or null. */
    public static String bearer(String authorization) {
        if (authorization == null) return null;
        String value = authorization.trim();
        if (value.length() < 7 || !value.regionMatches(true, 0, "Bearer ", 0, 7)) return null;
        return value.substring(7).trim();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        log.debug("{}: HTTP connection error: {}", dev.switchboard.server.transport.PeerAddress.of(ctx.channel()), cause.toString());
        ctx.close();
    }
}
