package dev.switchboard.server.transport.http;

import dev.switchboard.server.metrics.NodeMetrics;
import dev.switchboard.server.transport.ServerContext;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Map;

/** Health, readiness, metrics and the OpenAPI documents. */
final class OperationsRoutes {
    static final String DFLOCKD_OPENAPI = "/openapi/dflockd-http.json";
    static final String DEMO_PAGE = "/web/demo.html";
    static final String NATIVE_OPENAPI = "/openapi/switchboard-http.json";

    private final ServerContext server;
    private final NodeMetrics metrics;
    private final byte[] dflockdOpenApi;
    private final byte[] demoPage;
    private final byte[] nativeOpenApi;

    OperationsRoutes(ServerContext server, NodeMetrics metrics) {
        this.server = server;
        this.metrics = metrics;
        this.dflockdOpenApi = resource(DFLOCKD_OPENAPI);
        this.demoPage = resource(DEMO_PAGE);
        this.nativeOpenApi = resource(NATIVE_OPENAPI);
    }

    void registerWith(Router router) {
        router.add(HttpMethod.GET, "/health", ex -> ex.json(HttpResponseStatus.OK, Map.of("status", "ok")));
        router.add(HttpMethod.GET, "/ready", ex -> {
            String trouble = server.engineTrouble();
            if (server.draining()) {
                ex.json(HttpResponseStatus.SERVICE_UNAVAILABLE, Map.of("status", "draining"));
            } else if (trouble != null) {
                ex.json(HttpResponseStatus.SERVICE_UNAVAILABLE, Map.of("status", "cluster_unavailable", "reason", trouble));
            } else {
                ex.json(HttpResponseStatus.OK, Map.of("status", "ok"));
            }
        });
        router.add(HttpMethod.GET, "/metrics", ex -> metrics.scrape().whenComplete((text, err) -> {
            if (err != null) {
                ex.error(HttpResponseStatus.INTERNAL_SERVER_ERROR, "internal", err.toString());
            } else {
                ex.text(HttpResponseStatus.OK, text, NodeMetrics.contentType(), Map.of());
            }
        }));
        router.add(HttpMethod.GET, "/demo", ex -> ex.send(HttpResponseStatus.OK, Unpooled.wrappedBuffer(demoPage),
                "text/html; charset=utf-8", Map.of("Cache-Control", "no-cache")));
        router.add(HttpMethod.GET, "/api/v1/openapi.json", ex -> ex.send(HttpResponseStatus.OK,
                Unpooled.wrappedBuffer(nativeOpenApi), "application/json", Map.of("Cache-Control", "public, max-age=60")));
        router.add(HttpMethod.GET, "/v1/openapi.json", ex -> ex.send(HttpResponseStatus.OK,
                Unpooled.wrappedBuffer(dflockdOpenApi), "application/json", Map.of("Cache-Control", "public, max-age=60")));
    }

    static byte[] resource(String name) {
        try (InputStream in = OperationsRoutes.class.getResourceAsStream(name)) {
            if (in == null) throw new IllegalStateException("missing resource " + name);
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
