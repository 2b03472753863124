package dev.switchboard.server.transport.http;

import dev.switchboard.server.transport.ServerContext;
import io.netty.util.Timeout;
import java.net.InetAddress;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The dflockd HTTP sessions of a node: created with caps (in total and per IP, taken atomically),
 * found by id, deleted, and reaped when idle for twice the idle timeout with nothing in flight.
 */
public final class HttpSessions implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(HttpSessions.class);
    /** Why a session could not be created. */
    public enum Refusal { MAX_SESSIONS, MAX_SESSIONS_PER_IP }

    private final ServerContext server;
    private final Map<String, HttpSession> sessions = new ConcurrentHashMap<>();
    private final Map<InetAddress, Integer> perIp = new ConcurrentHashMap<>();
    private final Object caps = new Object();
    private volatile Timeout reaper;

    public HttpSessions(ServerContext server) {
        this.server = server;
        scheduleReaper();
    }

    /**
     * A new session, or the reason there is none. {@code transport} names its kind in logs and
     * admin views: {@code dflockd-http} or {@code http}.
     */
    public Object create(InetAddress ip, String remote, String transport) {
        int max = server.config().httpMaxSessions();
        int maxPerIp = server.config().httpMaxSessionsPerIp();
        synchronized (caps) {
            if (max > 0 && sessions.size() >= max) return Refusal.MAX_SESSIONS;
            if (maxPerIp > 0 && ip != null && perIp.getOrDefault(ip, 0) >= maxPerIp) return Refusal.MAX_SESSIONS_PER_IP;
            HttpSession s = new HttpSession(ip, server.config().replayBufferMessages());
            s.attach(server.core().sessions().open(transport, remote, s));
            sessions.put(s.id(), s);
            if (ip != null) perIp.merge(ip, 1, Integer::sum);
            return s;
        }
    }

    public HttpSession find(String id) {
        HttpSession s = sessions.get(id);
        if (s != null) s.touch();
        return s;
    }

    /** Ends a session: its waits answer at once, its locks go as after a disconnect. False when unknown. */
    public boolean delete(String id) {
        HttpSession s;
        synchronized (caps) {
            s = sessions.remove(id);
            if (s == null) return false;
            if (s.ip() != null) perIp.computeIfPresent(s.ip(), (k, n) -> n <= 1 ? null : n - 1);
        }
        server.core().sessions().close(s.core(), server.config().autoReleaseOnDisconnect());
        s.ended();
        return true;
    }

    public int count() {
        return sessions.size();
    }

    private void scheduleReaper() {
        long idleMs = server.config().httpSessionIdleTimeout().toMillis();
        if (idleMs <= 0) return;
        long tickMs = Math.min(idleMs, 30_000);
        reaper = server.core().timer().newTimeout(t -> {
            reapIdle(TimeUnit.MILLISECONDS.toNanos(2 * idleMs));
            scheduleReaper();
        }, tickMs, TimeUnit.MILLISECONDS);
    }

    void reapIdle(long maxIdleNanos) {
        long now = System.nanoTime();
        for (HttpSession s : sessions.values()) {
            if (s.inFlight() == 0 && now - s.lastSeenNanos() > maxIdleNanos && delete(s.id())) {
                log.debug("reaped idle HTTP session {}", s.id());
            }
        }
    }

    @Override
    public void close() {
        Timeout t = reaper;
        if (t != null) t.cancel();
    }
}
