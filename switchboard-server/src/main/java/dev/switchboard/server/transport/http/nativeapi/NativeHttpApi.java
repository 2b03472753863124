package dev.switchboard.server.transport.http.nativeapi;

import dev.switchboard.core.lock.LockOps;
import dev.switchboard.protocol.ErrorCode;
import dev.switchboard.protocol.Frame;
import dev.switchboard.core.session.Session;
import dev.switchboard.server.Version;
import dev.switchboard.server.transport.JsonSupport;
import dev.switchboard.server.transport.ServerContext;
import dev.switchboard.core.session.SessionRegistry;
import dev.switchboard.server.transport.http.HttpExchange;
import dev.switchboard.server.transport.http.HttpRequests;
import dev.switchboard.server.transport.http.Router;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.util.LinkedHashMap;
import java.util.Map;
import tools.jackson.core.JacksonException;

/**
 * The native protocol over HTTP, under {@value #PREFIX}: a session is created by a request and
 * lives until deleted or idle (or was opened over TCP, the Unix socket or WebSocket: any session
 * is addressed with its id and key); each native operation is {@code POST …/sessions/{session}/ops/{op}}
 * with the operation's fields as the JSON body; the session's events (signals, …) arrive on an
 * SSE stream or by long-poll. Answers are the native results, errors {@code {code, message}}.
 */
public final class NativeHttpApi {
    public static final String PREFIX = "/api/v1";
    /** The header that carries a session's key; browsers send the cookie of the same name instead. */
    public static final String KEY_HEADER = "X-Switchboard-Key";
    static final String KEY_COOKIE = "sb_key";

    private final ServerContext server;
    private final EventDelivery events;
    private final StreamUrl streams;

    public NativeHttpApi(ServerContext server) {
        this.server = server;
        this.events = new EventDelivery(server);
        this.streams = new StreamUrl(server, NativeHttpApi::presentedKey);
    }

    public void registerWith(Router router) {
        router.add(HttpMethod.POST, PREFIX + "/sessions", this::createSession);
        router.add(HttpMethod.DELETE, PREFIX + "/sessions/{session}", this::deleteSession);
        router.add(HttpMethod.POST, PREFIX + "/sessions/{session}/ops/{op}", this::operation);
        router.add(HttpMethod.GET, PREFIX + "/sessions/{session}/events", this::events);
        router.add(HttpMethod.GET, PREFIX + "/sessions/{session}/poll", ex -> withSession(ex, s -> events.poll(ex, s)));
        router.add(HttpMethod.GET, PREFIX + "/stats", this::stats);
        router.add(HttpMethod.GET, PREFIX + "/streams/{rid}", streams::read);
    }

    private void createSession(HttpExchange ex) {
        // The session acts as the client that opened it: its bearer token's identity, or anonymous.
        // A signed token or JWT that does not check out is refused with the reason (expired, forged, ...).
        dev.switchboard.server.identity.Authentication auth = authenticate(ex);
        if (!(auth instanceof dev.switchboard.server.identity.Authentication.Accepted identity)) {
            ex.error(HttpResponseStatus.UNAUTHORIZED, "unauthorized", ((dev.switchboard.server.identity.Authentication.Refused) auth).reason());
            return;
        }
        SessionRegistry sessions = server.core().sessions();
        String ip = ex.remoteIp() == null ? null : ex.remoteIp().getHostAddress();
        SessionRegistry.Open open = sessions.open(sessions.nativeHttpPolicy(), "http",
                dev.switchboard.server.transport.PeerAddress.of(ex.channel()), ip, null);
        if (open instanceof SessionRegistry.Refused refused) {
            ex.error(HttpResponseStatus.SERVICE_UNAVAILABLE, refused.code().wire(), "session limit reached");
            return;
        }
        SessionRegistry.Opened opened = (SessionRegistry.Opened) open;
        Session s = opened.session();
        server.tokenExpiry().authenticated(s, identity); // an expiring token ends the session as on the other transports
        String key = opened.resumeKey();
        // The key never goes in a URL: clients send it in a header, browsers in this cookie
        // (scoped to the session's routes), which EventSource and same-origin fetch send by themselves.
        ex.extraHeaders().add("Set-Cookie", KEY_COOKIE + "=" + key + "; Path=" + PREFIX + "/sessions/" + s.id()
                + "; HttpOnly; SameSite=Strict" + (server.sslContext() != null ? "; Secure" : ""));
        Map<String, Object> limits = new LinkedHashMap<>();
        limits.put("max_frame_bytes", server.config().httpMaxBodyBytes());
        limits.put("max_locks", server.config().maxLocks());
        limits.put("max_waiters", server.config().maxWaiters());
        limits.put("default_lease_ms", server.config().defaultLeaseTtl().toMillis());
        limits.put("max_lease_ms", LockOps.MAX_DURATION_MS);
        limits.put("replay_buffer_messages", server.config().replayBufferMessages());
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("session", s.id());
        body.put("resume_key", key);
        body.put("protocol", 1);
        body.put("server", "switchboard/" + Version.VERSION);
        body.put("idle_timeout_ms", server.config().httpSessionIdleTimeout().toMillis());
        body.put("limits", limits);
        ex.json(HttpResponseStatus.CREATED, body);
    }

    /** Who the request's bearer token (or its absence) says the client is, or why it is refused. */
    private dev.switchboard.server.identity.Authentication authenticate(HttpExchange ex) {
        return server.authenticate(
                dev.switchboard.server.transport.http.HttpFront.bearer(ex.header(io.netty.handler.codec.http.HttpHeaderNames.AUTHORIZATION)),
                ServerContext.local(ex.channel().remoteAddress()));
    }

    private void deleteSession(HttpExchange ex) {
        withSession(ex, s -> {
            server.core().sessions().close(s, server.config().autoReleaseOnDisconnect(),
                    dev.switchboard.core.session.SessionEnd.CLOSED_BY_CLIENT, dev.switchboard.core.session.SessionRegistry.ENDED);
            ex.noContent();
        });
    }

    /** The events of any session (opened over HTTP, TCP, the Unix socket or WebSocket), by SSE. */
    private void events(HttpExchange ex) {
        withSession(ex, s -> events.stream(ex, s));
    }

    private void operation(HttpExchange ex) {
        withSession(ex, session -> {
            Map<String, Object> fields;
            try {
                fields = body(ex.body());
            } catch (IllegalArgumentException e) {
                ex.error(HttpResponseStatus.BAD_REQUEST, ErrorCode.BAD_FRAME.wire(), e.getMessage());
                return;
            }
            if (session.identity() == dev.switchboard.core.identity.Identity.RESTORED) {
                // Restored after a restart: the client's identity again, from this request's credentials
                // (and the expiry of its token, watched again).
                if (authenticate(ex) instanceof dev.switchboard.server.identity.Authentication.Accepted identity) {
                    server.tokenExpiry().authenticated(session, identity);
                }
            }
            session.submit(server.core().nativeDispatcher(), new Frame(ex.param("op"), null, fields),
                    HttpRequests.origin(ex.channel()), HttpRequests.replier(ex, reply -> {
                        server.countLimitReply(reply);
                        if (reply.isError() && reply.application() != null) {
                            // A responder's error: its own code, data and origin, as on the other transports.
                            ex.json(statusOf(reply.error()), reply.errorFields());
                        } else if (reply.isError()) {
                            ex.error(statusOf(reply.error()), reply.error().wire(), reply.message());
                        } else {
                            ex.json(HttpResponseStatus.OK, reply.result());
                        }
                    }));
        });
    }

    private void stats(HttpExchange ex) {
        // Sessionless: the stats operation does not use the session.
        server.core().sessions().submitSessionless(server.core().nativeDispatcher(), new Frame("stats", null, Map.of()),
                HttpRequests.origin(ex.channel()), HttpRequests.replier(ex, reply -> {
                    if (reply.isError()) {
                        ex.error(HttpResponseStatus.INTERNAL_SERVER_ERROR, reply.error().wire(), reply.message());
                    } else {
                        ex.json(HttpResponseStatus.OK, reply.result());
                    }
                }));
    }

    /**
     * Runs {@code action} for the session named in the path, when the request presents its key; an
     * unknown session and a wrong or missing key get the same answer, so that guessing teaches nothing.
     */
    private void withSession(HttpExchange ex, java.util.function.Consumer<Session> action) {
        Session s = server.core().sessions().authenticate(ex.param("session"), presentedKey(ex));
        if (s == null) {
            sessionNotFound(ex);
        } else {
            s.touch();
            action.accept(s);
        }
    }

    private static String presentedKey(HttpExchange ex) {
        String header = ex.header(KEY_HEADER);
        if (header != null) return header.trim();
        String cookies = ex.header(io.netty.handler.codec.http.HttpHeaderNames.COOKIE);
        if (cookies == null) return null;
        for (io.netty.handler.codec.http.cookie.Cookie c
                : io.netty.handler.codec.http.cookie.ServerCookieDecoder.STRICT.decode(cookies)) {
            if (c.name().equals(KEY_COOKIE)) return c.value();
        }
        return null;
    }

    private static void sessionNotFound(HttpExchange ex) {
        ex.error(HttpResponseStatus.NOT_FOUND, ErrorCode.SESSION_NOT_FOUND.wire(),
                "no such session with this key (closed, expired, never created, or a wrong " + KEY_HEADER + ")");
    }

    /** The HTTP status of a native error code. */
    static HttpResponseStatus statusOf(ErrorCode code) {
        return switch (code) {
            case BAD_FRAME, INVALID_ARGUMENT -> HttpResponseStatus.BAD_REQUEST;
            case UNAUTHORIZED -> HttpResponseStatus.UNAUTHORIZED;
            case FORBIDDEN -> HttpResponseStatus.FORBIDDEN;
            case UNKNOWN_OP, NOT_HELD -> HttpResponseStatus.NOT_FOUND;
            case CANCELLED -> HttpResponseStatus.REQUEST_TIMEOUT;
            case LIMIT_MISMATCH, ALREADY_ENQUEUED, NOT_ENQUEUED, ALREADY_WAITING, LEASE_EXPIRED -> HttpResponseStatus.CONFLICT;
            case SESSION_CLOSED -> HttpResponseStatus.GONE;
            case FRAME_TOO_LARGE -> HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE;
            case TOO_MANY_REQUESTS -> HttpResponseStatus.TOO_MANY_REQUESTS;
            case UNKNOWN_REQUEST, PEER_NOT_FOUND -> HttpResponseStatus.NOT_FOUND;
            case APPLICATION -> HttpResponseStatus.UNPROCESSABLE_ENTITY;
            case DISCONNECTED, WEBHOOK_FAILED -> HttpResponseStatus.BAD_GATEWAY;
            // slow_consumer answers an rpc.chunk whose caller did not read it by the call's deadline.
            case TIMEOUT, SLOW_CONSUMER -> HttpResponseStatus.GATEWAY_TIMEOUT;
            case NO_RESPONDERS, SHUTTING_DOWN -> HttpResponseStatus.SERVICE_UNAVAILABLE;
            case MAX_LOCKS, MAX_WAITERS, MAX_SUBSCRIPTIONS, DRAINING, FENCE_PERSISTENCE -> HttpResponseStatus.SERVICE_UNAVAILABLE;
            default -> HttpResponseStatus.INTERNAL_SERVER_ERROR;
        };
    }

    /** The operation's fields: a JSON object, or nothing (an empty body). */
    private static Map<String, Object> body(byte[] body) {
        boolean blank = true;
        for (byte b : body) {
            if (b != ' ' && b != '\t' && b != '\r' && b != '\n') {
                blank = false;
                break;
            }
        }
        if (blank) return Map.of();
        try {
            Object value = JsonSupport.MAPPER.readValue(body, Object.class);
            if (!(value instanceof Map<?, ?>)) throw new IllegalArgumentException("the body must be a JSON object");
            @SuppressWarnings("unchecked")
            Map<String, Object> fields = (Map<String, Object>) value;
            return fields;
        } catch (JacksonException e) {
            throw new IllegalArgumentException("malformed JSON: " + e.getOriginalMessage());
        }
    }
}
