package dev.switchboard.server.transport.tls;

import dev.switchboard.server.metrics.NodeMetrics;
import java.net.SocketAddress;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Counts the connections a TLS port refuses — failed handshakes, plain text — and logs them in
 * one line each, at most one line per second and kind, with the number left out since the last
 * line: a scan of junk ClientHellos must not flood the log (a stack trace each was ~2 KB).
 */
public final class TlsFailures {
    private static final Logger log = LoggerFactory.getLogger(TlsFailures.class);
    private static final long INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final NodeMetrics metrics;
    private final Limit handshake = new Limit();
    private final Limit plaintext = new Limit();

    public TlsFailures(NodeMetrics metrics) {
        this.metrics = metrics;
    }

    /** One line per interval; the others are counted and reported with the next line. */
    private static final class Limit {
        private long lastNanos;
        private boolean logged;
        private int suppressed;

        /** The number suppressed since the last line when this one may be logged, else -1. */
        synchronized int admit() {
            long now = System.nanoTime();
            if (logged && now - lastNanos < INTERVAL_NANOS) {
                suppressed++;
                return -1;
            }
            logged = true;
            lastNanos = now;
            int n = suppressed;
            suppressed = 0;
            return n;
        }
    }

    void handshakeFailed(SocketAddress remote, Throwable cause) {
        metrics.tlsRefused("handshake");
        int more = handshake.admit();
        if (more >= 0) {
            log.warn("TLS handshake with {} failed: {}{}", remote, describe(cause), suffix(more));
        }
    }

    void plaintextRefused(SocketAddress remote, boolean http) {
        metrics.tlsRefused("plaintext");
        int more = plaintext.admit();
        if (more >= 0) {
            log.warn("{} sent plain {} to a TLS-only port; refused{}", remote, http ? "HTTP" : "bytes", suffix(more));
        }
    }

    private static String suffix(int more) {
        return more == 0 ? "" : " (" + more + " more since the last such line)";
    }

    /** The innermost cause's class and message, on one line and short. */
    private static String describe(Throwable cause) {
        Throwable root = cause;
        while (root.getCause() != null && root.getCause() != root) root = root.getCause();
        String text = root.getClass().getSimpleName() + (root.getMessage() == null ? "" : ": " + root.getMessage());
        text = text.replaceAll("[\\r\\n]+", " ");
        return text.length() > 200 ? text.substring(0, 200) + "…" : text;
    }
}
