package dev.switchboard.server.transport.http.admin;

import dev.switchboard.core.session.Session;
import dev.switchboard.server.metrics.NodeMetrics;
import dev.switchboard.server.transport.ServerContext;
import dev.switchboard.server.transport.http.HttpExchange;
import dev.switchboard.server.transport.http.Router;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Session administration for operators, under {@value #PREFIX}: list the live sessions of every
 * transport, show one, end one, and take a snapshot of the whole node ({@link AdminSnapshot}).
 *
 * <p>Authorised by the header {@value #HEADER} carrying {@code --admin-token}, compared in constant
 * time; the clients' bearer token plays no part (the HTTP front lets these paths through without
 * it). Without an admin token the routes answer {@code 404 admin_disabled}: no credential can
 * open them, so they do not exist on this server. A missing or wrong token gets
 * {@code 401 unauthorized} after the same 100 ms pause as a wrong bearer token.
 *
 * <p>Nothing secret leaves here: a session's view holds no resume key (the server keeps only its
 * hash anyway), and the log names sessions by their numeric id, since the id of an HTTP session is
 * what its client authenticates with.
 */
public final class AdminApi {
    public static final String PREFIX = "/api/v1/admin/";
    public static final String HEADER = "X-Switchboard-Admin";
    static final int MAX_REASON_CHARS = 256;
    private static final Logger log = LoggerFactory.getLogger(AdminApi.class);

    private final ServerContext server;
    private final byte[] expectedDigest;
    private final SessionViews views;
    private final AdminSnapshot snapshot;

    public AdminApi(ServerContext server, NodeMetrics metrics) {
        this.server = server;
        this.views = new SessionViews(server.core().broker());
        this.snapshot = new AdminSnapshot(server, metrics, views);
        String token = server.config().adminToken();
        this.expectedDigest = token == null ? null : sha256(token);
    }

    public void registerWith(Router router) {
        router.add(HttpMethod.GET, PREFIX + "sessions", ex -> {
            if (authorised(ex)) list(ex);
        });
        router.add(HttpMethod.GET, PREFIX + "sessions/{id}", ex -> {
            if (authorised(ex)) show(ex);
        });
        router.add(HttpMethod.DELETE, PREFIX + "sessions/{id}", ex -> {
            if (authorised(ex)) close(ex);
        });
        router.add(HttpMethod.GET, PREFIX + "snapshot", ex -> {
            if (authorised(ex)) snapshot.take().whenCompleteAsync((body, err) -> {
                if (err != null) ex.error(HttpResponseStatus.INTERNAL_SERVER_ERROR, "internal", err.toString());
                else ex.json(HttpResponseStatus.OK, body);
            }, ex.channel().eventLoop());
        });
    }

    // ---- authorisation ---------------------------------------------------------------------------

    /** True when the request may go on; otherwise it has been (or is about to be) answered. */
    private boolean authorised(HttpExchange ex) {
        dev.switchboard.server.identity.SignedTokens signed = server.config().signedTokens();
        if (expectedDigest == null && !signed.enabled()) {
            ex.error(HttpResponseStatus.NOT_FOUND, "admin_disabled",
                    "the admin API is off: start the server with --admin-token or --admin-token-file, or with signed tokens (an admin claim opens it)");
            return false;
        }
        String presented = ex.header(HEADER);
        if (presented != null && expectedDigest != null && MessageDigest.isEqual(expectedDigest, sha256(presented.trim()))) return true;
        if (presented != null && signed.admits(presented)) return true; // a signed token or JWT with "admin": true
        log.info("admin: refused {} {} from {}: {} header {}", ex.method(), ex.path(), dev.switchboard.server.transport.PeerAddress.of(ex.channel()),
                HEADER, presented == null ? "missing" : "wrong");
        // The pause slows down token guessing, as for the bearer token.
        ex.channel().eventLoop().schedule(() -> ex.error(HttpResponseStatus.UNAUTHORIZED, "unauthorized",
                "missing or wrong " + HEADER + " header"), ServerContext.AUTH_FAILURE_DELAY_MS, TimeUnit.MILLISECONDS);
        return false;
    }

    /**
     * Both sides are hashed first, so that the comparison runs over two 32-byte digests: its time
     * reveals neither the token nor its length.
     */
    private static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    // ---- routes ----------------------------------------------------------------------------------

    private void list(HttpExchange ex) {
        List<Session> sessions = new ArrayList<>(server.core().sessions().all());
        sessions.sort(Comparator.comparingLong(Session::ownerId));
        List<Map<String, Object>> shown = new ArrayList<>(sessions.size());
        long now = server.core().clock().currentTimeMillis();
        for (Session s : sessions) {
            if (!s.isClosed()) shown.add(views.view(s, now));
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("sessions", shown);
        body.put("count", shown.size());
        ex.json(HttpResponseStatus.OK, body);
    }

    private void show(HttpExchange ex) {
        Session s = find(ex.param("id"));
        if (s == null) {
            notFound(ex);
            return;
        }
        ex.json(HttpResponseStatus.OK, views.view(s, server.core().clock().currentTimeMillis()));
    }

    /**
     * Ends a session as {@code session.close} (or a dflockd HTTP {@code DELETE}) would: locks
     * released per {@code --auto-release-on-disconnect}, waits and subscriptions dropped, pending
     * requests answered, attached connections told {@code session_closed} (a dflockd connection,
     * which has no error event to carry the news, is closed).
     */
    private void close(HttpExchange ex) {
        String reason = ex.query("reason");
        if (reason != null && reason.length() > MAX_REASON_CHARS) {
            ex.error(HttpResponseStatus.BAD_REQUEST, "invalid_argument", "reason must be at most " + MAX_REASON_CHARS + " characters");
            return;
        }
        Session s = find(ex.param("id"));
        if (s == null) {
            notFound(ex);
            return;
        }
        log.info("admin: closing session #{} ({} from {}, state on {} lock keys) at the request of {}{}", s.ownerId(), s.transport(),
                s.remoteAddress(), s.lockKeys().size(), dev.switchboard.server.transport.PeerAddress.of(ex.channel()),
                reason == null || reason.isBlank() ? "" : ", reason: " + printable(reason));
        server.core().sessions().close(s, server.config().autoReleaseOnDisconnect());
        ex.noContent();
    }

    private Session find(String id) {
        if (id == null || id.isEmpty()) return null;
        Session s = server.core().sessions().find(id);
        return s == null || s.isClosed() ? null : s;
    }

    private static void notFound(HttpExchange ex) {
        ex.error(HttpResponseStatus.NOT_FOUND, dev.switchboard.protocol.ErrorCode.SESSION_NOT_FOUND.wire(), "no such session (it ended, or never existed)");
    }

    /** The reason as one log line: control characters (line breaks included) become spaces. */
    static String printable(String reason) {
        StringBuilder b = new StringBuilder(reason.length());
        reason.codePoints().forEach(c -> b.appendCodePoint(Character.isISOControl(c) ? ' ' : c));
        return b.toString();
    }
}
