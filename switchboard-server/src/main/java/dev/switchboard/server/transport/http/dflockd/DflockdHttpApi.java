package dev.switchboard.server.transport.http.dflockd;

import dev.switchboard.protocol.ErrorCode;
import dev.switchboard.protocol.Frame;
import dev.switchboard.protocol.Reply;
import dev.switchboard.core.session.Session;
import dev.switchboard.server.transport.JsonSupport;
import dev.switchboard.server.transport.ServerContext;
import dev.switchboard.server.transport.dflockd.DflockdStats;
import dev.switchboard.core.session.SessionRegistry;
import dev.switchboard.server.transport.http.HttpExchange;
import dev.switchboard.server.transport.http.HttpRequests;
import dev.switchboard.server.transport.http.Router;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * dflockd 2.x's HTTP API (and the 1.15–1.16 signal routes) over the core: each HTTP session is a
 * virtual connection, so FIFO order, leases, two-phase acquire and auto-release are those of the
 * TCP protocol, and a TCP client and an HTTP session on one key share one queue.
 */
public final class DflockdHttpApi {
    static final String SESSION_HEADER = "X-Dflockd-Session";
    private static final Pattern SESSION_ID = Pattern.compile("[0-9a-f]{32}");
    private static final long MAX_SECONDS = 9_223_372_036L;

    private final ServerContext server;
    private final SignalStreams signals;

    public DflockdHttpApi(ServerContext server) {
        this.server = server;
        this.signals = new SignalStreams(server);
    }

    public void registerWith(Router router) {
        router.add(HttpMethod.POST, "/v1/sessions", this::createSession);
        router.add(HttpMethod.POST, "/v1/sessions/{id}/ping", this::pingSession);
        router.add(HttpMethod.DELETE, "/v1/sessions/{id}", this::deleteSession);
        router.add(HttpMethod.GET, "/v1/stats", this::stats);
        for (String kind : new String[] {"locks", "semaphores"}) {
            boolean sem = kind.equals("semaphores");
            String prefix = sem ? "sem." : "lock.";
            String base = "/v1/" + kind + "/{key}";
            router.add(HttpMethod.POST, base, ex -> lockRequest(ex, prefix + "acquire",
                    sem ? Set.of("acquire_timeout_s", "limit", "lease_ttl_s") : Set.of("acquire_timeout_s", "lease_ttl_s"), false));
            router.add(HttpMethod.POST, base + "/release", ex -> lockRequest(ex, prefix + "release", Set.of("token"), false));
            router.add(HttpMethod.POST, base + "/renew", ex -> lockRequest(ex, prefix + "renew", Set.of("token", "lease_ttl_s"), false));
            router.add(HttpMethod.POST, base + "/enqueue", ex -> lockRequest(ex, prefix + "enqueue",
                    sem ? Set.of("limit", "lease_ttl_s") : Set.of("lease_ttl_s"), !sem));
            router.add(HttpMethod.POST, base + "/wait", ex -> lockRequest(ex, prefix + "wait", Set.of("timeout_s"), false));
        }
        router.add(HttpMethod.POST, "/v1/signals/{channel}", this::publish);
        router.add(HttpMethod.GET, "/v1/signals", signals::open);
    }

    // ---- sessions ------------------------------------------------------------------------------

    private void createSession(HttpExchange ex) {
        SessionRegistry sessions = server.core().sessions();
        String ip = ex.remoteIp() == null ? null : ex.remoteIp().getHostAddress();
        SessionRegistry.Open open = sessions.open(sessions.dflockdHttpPolicy(), "dflockd-http",
                dev.switchboard.server.transport.PeerAddress.of(ex.channel()), ip, null);
        if (open instanceof SessionRegistry.Refused refused) {
            boolean global = refused.code() == ErrorCode.MAX_SESSIONS;
            ex.error(HttpResponseStatus.SERVICE_UNAVAILABLE, refused.code().wire(),
                    global ? "max sessions reached" : "max sessions per ip reached");
            return;
        }
        Session s = ((SessionRegistry.Opened) open).session();
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("session_id", s.id());
        body.put("idle_timeout_s", server.config().httpSessionIdleTimeout().toSeconds());
        ex.json(HttpResponseStatus.OK, body);
    }

    private void pingSession(HttpExchange ex) {
        String id = ex.param("id");
        if (!SESSION_ID.matcher(id).matches()) {
            ex.error(HttpResponseStatus.BAD_REQUEST, "bad_request", "invalid session id");
        } else if (find(id) == null) {
            ex.error(HttpResponseStatus.GONE, "session_gone", null);
        } else {
            ex.noContent();
        }
    }

    private void deleteSession(HttpExchange ex) {
        String id = ex.param("id");
        if (!SESSION_ID.matcher(id).matches()) {
            ex.error(HttpResponseStatus.BAD_REQUEST, "bad_request", "invalid session id");
        } else if (find(id) != null) {
            server.core().sessions().close(find(id), server.config().autoReleaseOnDisconnect());
            ex.noContent();
        } else {
            ex.error(HttpResponseStatus.GONE, "session_gone", null);
        }
    }

    private void stats(HttpExchange ex) {
        // Sessionless: the stats operation does not use the session.
        server.core().sessions().submitSessionless(server.core().dflockdDispatcher(), new Frame("stats", null, Map.of()),
                HttpRequests.origin(ex.channel()), HttpRequests.replier(ex, reply -> {
            if (reply.isError()) {
                ex.error(HttpResponseStatus.INTERNAL_SERVER_ERROR, "internal", reply.message());
            } else {
                byte[] json = (DflockdStats.render(reply.result()) + "\n").getBytes(StandardCharsets.UTF_8);
                ex.send(HttpResponseStatus.OK, io.netty.buffer.Unpooled.wrappedBuffer(json), "application/json",
                        Map.of("X-Content-Type-Options", "nosniff"));
            }
        }));
    }

    // ---- locks and semaphores --------------------------------------------------------------------

    /** dflockd's order: session header, session lookup, body, then the session's turn. */
    private void lockRequest(HttpExchange ex, String op, Set<String> fields, boolean bodyOptional) {
        String id = ex.header(SESSION_HEADER);
        if (id == null || id.isEmpty()) {
            ex.error(HttpResponseStatus.BAD_REQUEST, "bad_request", SESSION_HEADER + " header required");
            return;
        }
        Session session = find(id);
        if (session == null) {
            ex.error(HttpResponseStatus.GONE, "session_gone", null);
            return;
        }
        Frame frame;
        try {
            frame = toFrame(op, ex.param("key"), StrictBody.parse(ex.body(), fields, bodyOptional));
        } catch (StrictBody.BadRequest e) {
            ex.error(HttpResponseStatus.BAD_REQUEST, "bad_request", e.getMessage());
            return;
        }
        // The session runs its requests one at a time (its policy), like dflockd's virtual connection.
        session.submit(server.core().dflockdDispatcher(), frame, HttpRequests.origin(ex.channel()),
                HttpRequests.replier(ex, reply -> {
                    server.countLimitReply(reply);
                    answer(ex, op, reply);
                }));
    }

    /** The open dflockd HTTP session with this id (and marks it used), or null. */
    private Session find(String id) {
        SessionRegistry sessions = server.core().sessions();
        Session s = sessions.find(id, sessions.dflockdHttpPolicy());
        if (s != null) s.touch();
        return s;
    }

    private Frame toFrame(String op, String key, StrictBody body) {
        String problem = key == null ? "missing key" : Frame.keyError(key);
        if (problem != null) throw new StrictBody.BadRequest("key " + problem);
        Map<String, Object> f = new HashMap<>();
        f.put("key", key);
        String verb = op.substring(op.indexOf('.') + 1);
        switch (verb) {
            case "acquire" -> {
                f.put("timeout_ms", body.integer("acquire_timeout_s", 0, MAX_SECONDS, 0) * 1000);
                putLease(f, body);
                putLimit(op, f, body);
            }
            case "enqueue" -> {
                putLease(f, body);
                putLimit(op, f, body);
            }
            case "wait" -> f.put("timeout_ms", body.integer("timeout_s", 0, MAX_SECONDS, 0) * 1000);
            case "renew" -> {
                f.put("token", token(body));
                putLease(f, body);
            }
            case "release" -> f.put("token", token(body));
            default -> throw new IllegalArgumentException(op);
        }
        return new Frame(op, null, f);
    }

    private static void putLease(Map<String, Object> f, StrictBody body) {
        long lease = body.integer("lease_ttl_s", 0, MAX_SECONDS, 0);
        if (lease > 0) f.put("lease_ms", lease * 1000); // 0 or absent: the server's default
    }

    private static void putLimit(String op, Map<String, Object> f, StrictBody body) {
        if (!op.startsWith("sem.")) return;
        long limit = body.integer("limit", 1, Long.MAX_VALUE, 0);
        if (limit <= 0) throw new StrictBody.BadRequest("limit must be greater than 0");
        f.put("limit", limit);
    }

    private static String token(StrictBody body) {
        String token = body.string("token");
        if (token == null || token.isEmpty()) throw new StrictBody.BadRequest("token required");
        if (token.getBytes(StandardCharsets.UTF_8).length > 256) throw new StrictBody.BadRequest("token too long");
        for (int i = 0; i < token.length(); i++) {
            if (Character.isWhitespace(token.charAt(i))) throw new StrictBody.BadRequest("token must not contain whitespace");
        }
        return token;
    }

    private void answer(HttpExchange ex, String op, Reply reply) {
        if (reply.isError()) {
            error(ex, reply);
            return;
        }
        String verb = op.substring(op.indexOf('.') + 1);
        Map<String, Object> r = reply.result();
        switch (verb) {
            case "release" -> ex.noContent();
            case "renew" -> ex.json(HttpResponseStatus.OK, Map.of("remaining_s", ((Number) r.get("lease_ms")).longValue() / 1000));
            default -> {
                Map<String, Object> body = new LinkedHashMap<>();
                String status = reply.status();
                if ("acquired".equals(status)) {
                    body.put("status", verb.equals("enqueue") ? "acquired" : "ok");
                    body.put("token", r.get("token"));
                    body.put("lease_ttl_s", ((Number) r.get("lease_ms")).longValue() / 1000);
                } else {
                    body.put("status", status); // "timeout" or "queued"
                }
                ex.json(HttpResponseStatus.OK, body);
            }
        }
    }

    /** dflockd's {@code httpStatusForLockErr}: the status, the error word and Go's error text. */
    private static void error(HttpExchange ex, Reply reply) {
        ErrorCode code = reply.error();
        switch (code) {
            case NOT_HELD -> ex.error(HttpResponseStatus.NOT_FOUND, "not_held", null);
            case LIMIT_MISMATCH -> ex.error(HttpResponseStatus.CONFLICT, "limit_mismatch", "limit mismatch");
            case ALREADY_ENQUEUED -> ex.error(HttpResponseStatus.CONFLICT, "already_enqueued", "already enqueued");
            case NOT_ENQUEUED -> ex.error(HttpResponseStatus.CONFLICT, "not_enqueued", "not enqueued");
            case LEASE_EXPIRED -> ex.error(HttpResponseStatus.CONFLICT, "lease_expired", "lease expired");
            case ALREADY_WAITING -> ex.error(HttpResponseStatus.CONFLICT, "already_waiting", reply.message());
            case SESSION_CLOSED -> ex.error(HttpResponseStatus.GONE, "session_gone", null);
            case CANCELLED -> ex.error(HttpResponseStatus.REQUEST_TIMEOUT, "client_canceled", reply.message());
            case MAX_LOCKS -> ex.error(HttpResponseStatus.SERVICE_UNAVAILABLE, "max_locks", "max locks reached");
            case MAX_WAITERS -> ex.error(HttpResponseStatus.SERVICE_UNAVAILABLE, "max_waiters", "max waiters reached");
            case FENCE_PERSISTENCE -> ex.error(HttpResponseStatus.SERVICE_UNAVAILABLE, "fence_persistence", reply.message());
            case DRAINING -> ex.error(HttpResponseStatus.SERVICE_UNAVAILABLE, "draining", reply.message());
            case TOO_MANY_REQUESTS -> ex.error(HttpResponseStatus.TOO_MANY_REQUESTS, "too_many_requests", reply.message());
            case INVALID_ARGUMENT -> ex.error(HttpResponseStatus.BAD_REQUEST, "bad_request", reply.message());
            default -> ex.error(HttpResponseStatus.INTERNAL_SERVER_ERROR, "internal", reply.message());
        }
    }

    // ---- signals (dflockd 1.15–1.16) ----------------------------------------------------------------

    private void publish(HttpExchange ex) {
        Frame frame;
        try {
            StrictBody body = StrictBody.parse(ex.body(), Set.of("payload"), false);
            String payload = body.string("payload");
            if (payload == null || payload.isEmpty()) throw new StrictBody.BadRequest("payload required");
            if (payload.indexOf('\n') >= 0 || payload.indexOf('\r') >= 0) {
                throw new StrictBody.BadRequest("payload must not contain a newline");
            }
            frame = new Frame("signal.publish", null, Map.of("channel", ex.param("channel"), "payload", payload));
        } catch (StrictBody.BadRequest e) {
            ex.error(HttpResponseStatus.BAD_REQUEST, "bad_request", e.getMessage());
            return;
        }
        dev.switchboard.core.identity.Identity identity = dev.switchboard.server.transport.http.HttpFront.identity(server, ex);
        if (identity == null || !identity.may(dev.switchboard.core.identity.Permission.PUBLISH, ex.param("channel"))) {
            ex.error(HttpResponseStatus.FORBIDDEN, "forbidden", "this client may not publish on " + ex.param("channel"));
            return;
        }
        // Sessionless: publishing does not use the session (its permission was checked above).
        server.core().sessions().submitSessionless(server.core().dflockdDispatcher(), frame,
                HttpRequests.origin(ex.channel()), HttpRequests.replier(ex, reply -> {
                    if (reply.isError()) {
                        ex.error(HttpResponseStatus.BAD_REQUEST, "bad_request", reply.message());
                    } else {
                        ex.json(HttpResponseStatus.OK, Map.of("delivered", reply.result().get("delivered")));
                    }
                }));
    }

    static String json(Map<String, ?> value) {
        return JsonSupport.writeString(value);
    }
}
