package dev.switchboard.server.transport.http;

import dev.switchboard.server.metrics.NodeMetrics;
import dev.switchboard.server.transport.ServerContext;
import dev.switchboard.server.transport.http.admin.AdminApi;
import dev.switchboard.server.transport.http.dflockd.DflockdHttpApi;
import dev.switchboard.server.transport.http.nativeapi.NativeHttpApi;
import dev.switchboard.server.transport.tls.TlsFailures;

/** What every HTTP connection of a node shares: routes, CORS, the rate limit, metrics. */
public final class HttpServices implements AutoCloseable {
    private final Router router = new Router();
    private final Cors cors;
    private final RateLimiter rateLimiter;
    private final NodeMetrics metrics;
    private final HttpConnectionLimiter connectionLimiter;
    private final TlsFailures tlsFailures;
    private final HostPolicy hostPolicy;

    public HttpServices(ServerContext server, NodeMetrics metrics) {
        this.metrics = metrics;
        this.tlsFailures = new TlsFailures(metrics);
        this.hostPolicy = new HostPolicy(server.config().httpAllowedHosts(), server.config().wsAllowedOrigins());
        this.cors = new Cors(server.config().httpCorsAllowedOrigins());
        this.rateLimiter = server.config().httpRateLimitPerIp() > 0
                ? new RateLimiter(server.config().httpRateLimitPerIp(), server.config().httpRateLimitBurst(), server.core().clock())
                : null;
        metrics.httpSessions(() -> (int) server.core().sessions().all().stream()
                .filter(s -> s.policy().lifetime() == dev.switchboard.core.session.SessionPolicy.Lifetime.IDLE).count());
        this.connectionLimiter = new HttpConnectionLimiter(server.config().httpMaxConnectionsPerIp());
        new OperationsRoutes(server, metrics).registerWith(router);
        new DflockdHttpApi(server).registerWith(router);
        new NativeHttpApi(server).registerWith(router);
        new AdminApi(server, metrics).registerWith(router);
        new AdminPage().registerWith(router);
    }

    public Router router() {
        return router;
    }

    Cors cors() {
        return cors;
    }

    /** Null when there is no rate limit. */
    RateLimiter rateLimiter() {
        return rateLimiter;
    }

    public HttpConnectionLimiter connectionLimiter() {
        return connectionLimiter;
    }

    /** Refused TLS connections of the node's TLS ports (counted and logged here, for both listeners). */
    public TlsFailures tlsFailures() {
        return tlsFailures;
    }

    public HostPolicy hostPolicy() {
        return hostPolicy;
    }

    public NodeMetrics nodeMetrics() {
        return metrics;
    }

    /** Records each request's route, status and duration once it is answered. */
    HttpServices.Tracker metrics() {
        return ex -> ex.onAnswer(status -> metrics.httpRequest(ex.method().name(), ex.routePattern(), status.code(),
                System.nanoTime() - ex.startNanos()));
    }

    interface Tracker {
        void track(HttpExchange exchange);
    }

    @Override
    public void close() {
        if (rateLimiter != null) rateLimiter.close();
    }
}
