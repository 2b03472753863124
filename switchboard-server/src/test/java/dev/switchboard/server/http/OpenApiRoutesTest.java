package dev.switchboard.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.core.SwitchboardCore;
import dev.switchboard.core.lock.LockTableConfig;
import dev.switchboard.server.Switchboard;
import dev.switchboard.server.SwitchboardConfig;
import dev.switchboard.server.metrics.NodeMetrics;
import dev.switchboard.server.transport.ServerContext;
import dev.switchboard.server.transport.http.HttpServices;
import dev.switchboard.server.transport.http.Router;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The OpenAPI document served at /v1/openapi.json describes exactly the routes the server
 * registers: every (method, path) of the document is a route and every route is in the document.
 * Routes under /api/ (other APIs, described elsewhere) are left out of the comparison.
 */
class OpenApiRoutesTest {
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final Set<String> HTTP_METHODS = Set.of("get", "put", "post", "delete", "options", "head", "patch", "trace");
    private static final String OTHER_APIS = "/api/";

    private static Switchboard sb;
    private static HttpResponse<String> served;
    private static JsonNode doc;

    @BeforeAll
    static void fetch() throws Exception {
        sb = Switchboard.builder().port(0).start();
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        served = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + sb.port() + "/v1/openapi.json"))
                .timeout(Duration.ofSeconds(10)).GET().build(), HttpResponse.BodyHandlers.ofString());
        doc = JSON.readTree(served.body());
    }

    @AfterAll
    static void stop() {
        if (sb != null) sb.close();
    }

    @Test
    void servedAsCacheableOpenApi31Json() {
        assertThat(served.statusCode()).isEqualTo(200);
        assertThat(served.headers().firstValue("Content-Type")).hasValueSatisfying(ct -> assertThat(ct).startsWith("application/json"));
        assertThat(served.headers().firstValue("Cache-Control")).hasValue("public, max-age=60");
        assertThat(doc.path("openapi").asString()).startsWith("3.1.");
        assertThat(doc.path("info").path("version").asString()).isEqualTo("2.1.0");
        assertThat(doc.path("x-switchboard").isMissingNode()).as("x-switchboard note").isFalse();
        assertThat(doc.path("components").path("securitySchemes").path("bearerAuth").path("scheme").asString()).isEqualTo("bearer");
    }

    @Test
    void documentAndRouterListTheSameRoutes() {
        Set<String> documented = new TreeSet<>();
        for (Map.Entry<String, JsonNode> path : doc.path("paths").properties()) {
            if (path.getKey().startsWith(OTHER_APIS)) continue;
            for (Map.Entry<String, JsonNode> op : path.getValue().properties()) {
                if (HTTP_METHODS.contains(op.getKey())) {
                    documented.add(op.getKey().toUpperCase(Locale.ROOT) + " " + path.getKey());
                }
            }
        }
        Set<String> registered = registeredRoutes();

        Set<String> undocumented = new TreeSet<>(registered);
        undocumented.removeAll(documented);
        Set<String> notRegistered = new TreeSet<>(documented);
        notRegistered.removeAll(registered);
        assertThat(undocumented).as("routes the Router registers but the OpenAPI document lacks").isEmpty();
        assertThat(notRegistered).as("operations in the OpenAPI document that no route serves").isEmpty();
        assertThat(documented).as("sanity: the comparison saw the dflockd routes").contains(
                "GET /health", "POST /v1/locks/{key}", "DELETE /v1/sessions/{id}", "GET /v1/signals");
    }

    @Test
    void operationsAreWellFormed() {
        List<String> problems = new ArrayList<>();
        Set<String> operationIds = new TreeSet<>();
        // The paths HttpFront serves without a token.
        Set<String> exempt = Set.of("/health", "/ready", "/v1/openapi.json", "/demo");
        for (Map.Entry<String, JsonNode> path : doc.path("paths").properties()) {
            for (Map.Entry<String, JsonNode> e : path.getValue().properties()) {
                if (!HTTP_METHODS.contains(e.getKey())) continue;
                String where = e.getKey().toUpperCase(Locale.ROOT) + " " + path.getKey();
                JsonNode op = e.getValue();
                if (!operationIds.add(op.path("operationId").asString(""))) problems.add(where + ": missing or repeated operationId");
                if (op.path("responses").isEmpty()) problems.add(where + ": no responses");
                boolean noAuth = op.has("security") && op.get("security").isEmpty();
                if (noAuth != exempt.contains(path.getKey())) problems.add(where + ": security exemption does not match the server's");
                if (!noAuth && !op.path("responses").has("401")) problems.add(where + ": no 401 response");
                boolean sessionRoute = path.getKey().startsWith("/v1/locks/") || path.getKey().startsWith("/v1/semaphores/");
                boolean hasSessionHeader = false;
                for (JsonNode p : op.path("parameters")) {
                    JsonNode param = resolve(p);
                    if ("X-Dflockd-Session".equals(param.path("name").asString()) && "header".equals(param.path("in").asString())) {
                        hasSessionHeader = true;
                    }
                }
                if (sessionRoute != hasSessionHeader) problems.add(where + ": X-Dflockd-Session header parameter expected: " + sessionRoute);
                for (String placeholder : placeholders(path.getKey())) {
                    boolean declared = false;
                    for (JsonNode p : op.path("parameters")) {
                        JsonNode param = resolve(p);
                        declared |= placeholder.equals(param.path("name").asString()) && "path".equals(param.path("in").asString());
                    }
                    if (!declared) problems.add(where + ": path parameter {" + placeholder + "} not declared");
                }
                JsonNode body = op.path("requestBody").path("content").path("application/json").path("schema");
                if (!body.isMissingNode()) {
                    JsonNode schema = resolve(body);
                    if (!schema.path("additionalProperties").isBoolean() || schema.path("additionalProperties").asBoolean()) {
                        problems.add(where + ": request schema must have additionalProperties:false");
                    }
                }
                for (Map.Entry<String, JsonNode> r : op.path("responses").properties()) {
                    JsonNode response = resolve(r.getValue());
                    if (r.getKey().compareTo("400") >= 0) {
                        JsonNode schema = response.path("content").path("application/json").path("schema");
                        boolean isError = schema.path("allOf").path(0).path("$ref").asString("").endsWith("/Error")
                                || (r.getKey().equals("503") && path.getKey().equals("/ready"));
                        if (!isError) problems.add(where + " " + r.getKey() + ": error response without the error object");
                    }
                }
            }
        }
        collectRefs(doc, problems);
        assertThat(problems).isEmpty();
    }

    /** The routes the server registers, obtained the way the server builds its Router. */
    private static Set<String> registeredRoutes() {
        SwitchboardConfig config = Switchboard.builder().port(0).build();
        SwitchboardCore core = new SwitchboardCore(new SwitchboardCore.Settings(
                new LockTableConfig(config.maxLocks(), config.maxWaiters(), config.leaseSweepInterval(),
                        config.gcInterval(), config.gcMaxIdle()),
                config.defaultLeaseTtl().toMillis(), config.maxSubscriptions(), config.effectiveFenceStateFile()));
        try (HttpServices services = new HttpServices(new ServerContext(config, core, null), new NodeMetrics(core, () -> true))) {
            Set<String> out = new TreeSet<>();
            for (Router.Route r : services.router().routes()) {
                if (r.pattern().startsWith(OTHER_APIS)) continue;
                out.add(r.method().name() + " " + r.pattern());
            }
            return out;
        } finally {
            core.close();
        }
    }

    private static List<String> placeholders(String path) {
        List<String> out = new ArrayList<>();
        for (String seg : path.split("/")) {
            if (seg.startsWith("{") && seg.endsWith("}")) out.add(seg.substring(1, seg.length() - 1));
        }
        return out;
    }

    private static JsonNode resolve(JsonNode node) {
        for (int i = 0; i < 10 && node.has("$ref"); i++) {
            node = pointer(node.get("$ref").asString());
        }
        return node;
    }

    private static JsonNode pointer(String ref) {
        assertThat(ref).as("only local references").startsWith("#/");
        return doc.at(ref.substring(1));
    }

    private static void collectRefs(JsonNode node, List<String> problems) {
        if (node.isObject()) {
            for (Map.Entry<String, JsonNode> e : node.properties()) {
                if (e.getKey().equals("$ref") && e.getValue().isString()) {
                    String ref = e.getValue().asString();
                    if (!ref.startsWith("#/") || doc.at(ref.substring(1)).isMissingNode()) problems.add("unresolved $ref " + ref);
                } else {
                    collectRefs(e.getValue(), problems);
                }
            }
        } else if (node.isArray()) {
            for (JsonNode n : node) collectRefs(n, problems);
        }
    }
}
