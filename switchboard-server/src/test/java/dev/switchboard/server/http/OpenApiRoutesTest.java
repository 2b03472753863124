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
import dev.switchboard.server.transport.ws.WebSocketUpgrade;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The OpenAPI documents describe exactly the routes the server registers, in both directions:
 * /v1/openapi.json (the dflockd-compatible API) the routes outside /api/, and /api/v1/openapi.json
 * (the native HTTP API) the routes under /api/. The WebSocket endpoint is no Router route: the
 * native document marks it {@code x-websocket: true} and it is checked against the server's
 * WebSocket path instead. The native document's {@code op} enum is the native dispatcher's
 * operation set.
 */
class OpenApiRoutesTest {
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final Set<String> HTTP_METHODS = Set.of("get", "put", "post", "delete", "options", "head", "patch", "trace");
    private static final String NATIVE_APIS = "/api/";
    private static final String OPS_PATH = "/api/v1/sessions/{session}/ops/{op}";

    private static Switchboard sb;
    private static HttpResponse<String> served;
    private static JsonNode doc;
    private static HttpResponse<String> nativeServed;
    private static JsonNode nativeDoc;
    private static Set<String> registered;
    private static Set<String> nativeOperations;

    @BeforeAll
    static void fetch() throws Exception {
        sb = Switchboard.builder().port(0).start();
        served = get("/v1/openapi.json");
        doc = JSON.readTree(served.body());
        nativeServed = get("/api/v1/openapi.json");
        nativeDoc = JSON.readTree(nativeServed.body());
        registeredRoutesAndOperations();
    }

    private static HttpResponse<String> get(String path) throws Exception {
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + sb.port() + path))
                .timeout(Duration.ofSeconds(10)).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    @AfterAll
    static void stop() {
        if (sb != null) sb.close();
    }

    // ---- the dflockd-compatible document ---------------------------------------------------------

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
            if (path.getKey().startsWith(NATIVE_APIS)) continue;
            for (Map.Entry<String, JsonNode> op : path.getValue().properties()) {
                if (HTTP_METHODS.contains(op.getKey())) {
                    documented.add(op.getKey().toUpperCase(Locale.ROOT) + " " + path.getKey());
                }
            }
        }
        Set<String> routes = new TreeSet<>();
        for (String r : registered) {
            if (!r.substring(r.indexOf(' ') + 1).startsWith(NATIVE_APIS)) routes.add(r);
        }
        assertSameRoutes(documented, routes);
        assertThat(documented).as("sanity: the comparison saw the dflockd routes").contains(
                "GET /health", "POST /v1/locks/{key}", "DELETE /v1/sessions/{id}", "GET /v1/signals");
    }

    @Test
    void operationsAreWellFormed() {
        // The paths HttpFront serves without a token.
        List<String> problems = wellFormed(doc, Set.of("/health", "/ready", "/v1/openapi.json", "/demo", "/admin", "/admin/{file}",
                "/admin/{dir}/{file}", "/admin/{dir}/{sub}/{file}"), Set.of("Error"), true);
        assertThat(problems).isEmpty();
    }

    // ---- the native document ---------------------------------------------------------------------

    @Test
    void nativeDocumentServedAsCacheableOpenApi31Json() {
        assertThat(nativeServed.statusCode()).isEqualTo(200);
        assertThat(nativeServed.headers().firstValue("Content-Type")).hasValueSatisfying(ct -> assertThat(ct).startsWith("application/json"));
        assertThat(nativeServed.headers().firstValue("Cache-Control")).hasValue("public, max-age=60");
        assertThat(nativeDoc.path("openapi").asString()).startsWith("3.1.");
        assertThat(nativeDoc.path("info").path("version").asString()).as("the native protocol version").isEqualTo("1");
        assertThat(nativeDoc.path("components").path("securitySchemes").path("bearerAuth").path("scheme").asString()).isEqualTo("bearer");
        assertThat(nativeDoc.path("security").path(0).has("bearerAuth")).as("bearer auth applies by default").isTrue();
        JsonNode error = nativeDoc.path("components").path("schemas").path("Error");
        assertThat(error.path("required").valueStream().map(JsonNode::asString).toList()).containsExactlyInAnyOrder("code", "message");
    }

    @Test
    void nativeDocumentAndRouterListTheSameRoutes() {
        Set<String> documented = new TreeSet<>();
        Set<String> webSockets = new TreeSet<>();
        for (Map.Entry<String, JsonNode> path : nativeDoc.path("paths").properties()) {
            assertThat(path.getKey()).as("the native document describes only routes under %s", NATIVE_APIS).startsWith(NATIVE_APIS);
            for (Map.Entry<String, JsonNode> op : path.getValue().properties()) {
                if (!HTTP_METHODS.contains(op.getKey())) continue;
                String route = op.getKey().toUpperCase(Locale.ROOT) + " " + path.getKey();
                if (op.getValue().path("x-websocket").asBoolean(false)) {
                    webSockets.add(route);
                } else {
                    documented.add(route);
                }
            }
        }
        Set<String> routes = new TreeSet<>();
        for (String r : registered) {
            if (r.substring(r.indexOf(' ') + 1).startsWith(NATIVE_APIS)) routes.add(r);
        }
        assertSameRoutes(documented, routes);
        assertThat(documented).as("sanity: the comparison saw the native routes").contains(
                "POST /api/v1/sessions", "POST " + OPS_PATH, "GET /api/v1/sessions/{session}/events", "GET /api/v1/openapi.json");

        // The WebSocket endpoint is the one operation outside the Router, and it is the server's.
        assertThat(webSockets).as("operations marked x-websocket").containsExactly("GET " + WebSocketUpgrade.PATH);
        assertThat(registered).as("the WebSocket path is not a Router route").noneMatch(r -> r.endsWith(" " + WebSocketUpgrade.PATH));
        JsonNode ws = nativeDoc.path("paths").path(WebSocketUpgrade.PATH).path("get");
        assertThat(ws.path("responses").has("101")).as("101 Switching Protocols documented").isTrue();
    }

    @Test
    void webSocketPathOfTheDocumentUpgrades() throws Exception {
        WebSocket ws = HttpClient.newHttpClient().newWebSocketBuilder().connectTimeout(Duration.ofSeconds(5))
                .buildAsync(URI.create("ws://127.0.0.1:" + sb.port() + WebSocketUpgrade.PATH), new WebSocket.Listener() { })
                .get(10, TimeUnit.SECONDS);
        ws.abort();
    }

    @Test
    void opEnumIsTheNativeDispatchersOperationSet() {
        JsonNode op = nativeDoc.path("paths").path(OPS_PATH).path("post");
        Set<String> enumerated = new TreeSet<>();
        for (JsonNode p : op.path("parameters")) {
            JsonNode param = resolve(nativeDoc, p);
            if ("op".equals(param.path("name").asString()) && "path".equals(param.path("in").asString())) {
                for (JsonNode v : resolve(nativeDoc, param.path("schema")).path("enum")) enumerated.add(v.asString());
            }
        }
        assertThat(enumerated).as("the op enum of %s", OPS_PATH).isEqualTo(new TreeSet<>(nativeOperations));
        // The per-operation table (request schema, result schemas) covers the same operations.
        Set<String> tabled = new TreeSet<>(op.path("x-operations").propertyNames());
        assertThat(tabled).as("x-operations of %s", OPS_PATH).isEqualTo(new TreeSet<>(nativeOperations));
        for (Map.Entry<String, JsonNode> e : op.path("x-operations").properties()) {
            assertThat(e.getValue().path("request").has("$ref")).as("%s: request schema", e.getKey()).isTrue();
            assertThat(e.getValue().path("results").isEmpty()).as("%s: result schemas", e.getKey()).isFalse();
        }
        assertThat(nativeOperations).as("sanity").contains("lock.acquire", "sem.cancel", "stats", "signal.publish");
    }

    @Test
    void nativeOperationsAreWellFormed() {
        List<String> problems = wellFormed(nativeDoc, Set.of("/api/v1/openapi.json", WebSocketUpgrade.PATH),
                Set.of("Error", "FrontError"), false);
        assertThat(problems).isEmpty();
    }

    // ---- helpers ---------------------------------------------------------------------------------

    private static void assertSameRoutes(Set<String> documented, Set<String> routes) {
        Set<String> undocumented = new TreeSet<>(routes);
        undocumented.removeAll(documented);
        Set<String> notRegistered = new TreeSet<>(documented);
        notRegistered.removeAll(routes);
        assertThat(undocumented).as("routes the Router registers but the OpenAPI document lacks").isEmpty();
        assertThat(notRegistered).as("operations in the OpenAPI document that no route serves").isEmpty();
    }

    /**
     * The problems of a document: operation ids, security exemptions (401 otherwise), path
     * parameters, request schemas ({@code strictBodies}: the API refuses unknown fields, so
     * {@code additionalProperties:false}; otherwise it ignores them, so not false), and error
     * responses (4xx and 5xx) carrying one of {@code errorSchemas}.
     */
    private static List<String> wellFormed(JsonNode root, Set<String> exempt, Set<String> errorSchemas, boolean strictBodies) {
        List<String> problems = new ArrayList<>();
        Set<String> operationIds = new TreeSet<>();
        for (Map.Entry<String, JsonNode> path : root.path("paths").properties()) {
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
                    JsonNode param = resolve(root, p);
                    if ("X-Dflockd-Session".equals(param.path("name").asString()) && "header".equals(param.path("in").asString())) {
                        hasSessionHeader = true;
                    }
                }
                if (sessionRoute != hasSessionHeader) problems.add(where + ": X-Dflockd-Session header parameter expected: " + sessionRoute);
                for (String placeholder : placeholders(path.getKey())) {
                    boolean declared = false;
                    for (JsonNode p : op.path("parameters")) {
                        JsonNode param = resolve(root, p);
                        declared |= placeholder.equals(param.path("name").asString()) && "path".equals(param.path("in").asString());
                    }
                    if (!declared) problems.add(where + ": path parameter {" + placeholder + "} not declared");
                }
                JsonNode body = op.path("requestBody").path("content").path("application/json").path("schema");
                if (!body.isMissingNode()) {
                    JsonNode schema = resolve(root, body);
                    List<JsonNode> alternatives = new ArrayList<>();
                    if (schema.has("oneOf")) {
                        for (JsonNode s : schema.get("oneOf")) alternatives.add(resolve(root, s));
                    } else {
                        alternatives.add(schema);
                    }
                    for (JsonNode s : alternatives) {
                        JsonNode ap = s.path("additionalProperties");
                        boolean closed = ap.isBoolean() && !ap.asBoolean();
                        if (strictBodies && !closed) problems.add(where + ": request schema must have additionalProperties:false");
                        if (!strictBodies && closed) problems.add(where + ": unknown fields are ignored, yet a request schema has additionalProperties:false");
                    }
                }
                for (Map.Entry<String, JsonNode> r : op.path("responses").properties()) {
                    JsonNode response = resolve(root, r.getValue());
                    if (r.getKey().compareTo("400") >= 0) {
                        JsonNode schema = response.path("content").path("application/json").path("schema");
                        boolean isError = carriesError(schema, errorSchemas)
                                || (r.getKey().equals("503") && path.getKey().equals("/ready"));
                        if (!isError) problems.add(where + " " + r.getKey() + ": error response without the error object");
                    }
                }
                if (op.path("x-websocket").asBoolean(false) && !op.path("responses").has("101")) {
                    problems.add(where + ": a WebSocket endpoint without 101");
                }
            }
        }
        collectRefs(root, root, problems);
        return problems;
    }

    /** The schema is an error object: all of its top-level alternatives ($ref, allOf[0], anyOf, oneOf) name one of {@code names}. */
    private static boolean carriesError(JsonNode schema, Set<String> names) {
        List<String> refs = new ArrayList<>();
        if (schema.has("$ref")) refs.add(schema.get("$ref").asString());
        if (schema.has("allOf")) refs.add(schema.get("allOf").path(0).path("$ref").asString(""));
        for (String combinator : List.of("anyOf", "oneOf")) {
            for (JsonNode alt : schema.path(combinator)) {
                refs.add(alt.has("$ref") ? alt.get("$ref").asString() : alt.path("allOf").path(0).path("$ref").asString(""));
            }
        }
        if (refs.isEmpty()) return false;
        for (String ref : refs) {
            if (names.stream().noneMatch(n -> ref.endsWith("/" + n))) return false;
        }
        return true;
    }

    /** The routes the server registers and the native operations, obtained the way the server builds them. */
    private static void registeredRoutesAndOperations() {
        SwitchboardConfig config = Switchboard.builder().port(0).build();
        SwitchboardCore core = new SwitchboardCore(new SwitchboardCore.Settings(
                new LockTableConfig(config.maxLocks(), config.maxWaiters(), config.leaseSweepInterval(),
                        config.gcInterval(), config.gcMaxIdle()),
                config.defaultLeaseTtl().toMillis(), config.maxSubscriptions(), config.effectiveFenceStateFile()));
        try (HttpServices services = new HttpServices(new ServerContext(config, core, null), new NodeMetrics(core, () -> true))) {
            Set<String> out = new TreeSet<>();
            for (Router.Route r : services.router().routes()) out.add(r.method().name() + " " + r.pattern());
            registered = out;
            nativeOperations = new TreeSet<>(core.nativeDispatcher().operations());
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

    private static JsonNode resolve(JsonNode root, JsonNode node) {
        for (int i = 0; i < 10 && node.has("$ref"); i++) {
            String ref = node.get("$ref").asString();
            assertThat(ref).as("only local references").startsWith("#/");
            node = root.at(ref.substring(1));
        }
        return node;
    }

    private static void collectRefs(JsonNode root, JsonNode node, List<String> problems) {
        if (node.isObject()) {
            for (Map.Entry<String, JsonNode> e : node.properties()) {
                if (e.getKey().equals("$ref") && e.getValue().isString()) {
                    String ref = e.getValue().asString();
                    if (!ref.startsWith("#/") || root.at(ref.substring(1)).isMissingNode()) problems.add("unresolved $ref " + ref);
                } else {
                    collectRefs(root, e.getValue(), problems);
                }
            }
        } else if (node.isArray()) {
            for (JsonNode n : node) collectRefs(root, n, problems);
        }
    }
}
