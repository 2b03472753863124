package dev.switchboard.server.transport.http;

import dev.switchboard.core.time.NodeClock;
import io.netty.util.Timeout;
import io.netty.util.Timer;
import java.net.InetAddress;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * A token bucket per remote IP: {@code rate} requests per second with bursts of {@code burst}.
 * Buckets idle for ten minutes are dropped by a sweep every five, so the table stays bounded by
 * the clients actually talking.
 */
final class RateLimiter implements AutoCloseable {
    private static final long IDLE_NANOS = TimeUnit.MINUTES.toNanos(10);

    private final double ratePerNano;
    private final double burst;
    private final ConcurrentHashMap<InetAddress, Bucket> buckets = new ConcurrentHashMap<>();
    private final NodeClock clock;
    private final Timer timer;
    private volatile Timeout sweep;

    private static final class Bucket {
        double tokens;
        long lastNanos;

        Bucket(double tokens, long now) {
            this.tokens = tokens;
            this.lastNanos = now;
        }
    }

    RateLimiter(double perSecond, int burst, NodeClock clock) {
        this.ratePerNano = perSecond / 1e9;
        this.burst = burst > 0 ? burst : Math.max(1, perSecond);
        this.clock = clock;
        this.timer = clock.timer();
        scheduleSweep();
    }

    /** Takes one token for {@code ip}; false when its bucket is empty. */
    boolean tryAcquire(InetAddress ip) {
        long now = clock.nanoTime();
        boolean[] allowed = {false};
        buckets.compute(ip, (k, b) -> {
            if (b == null) b = new Bucket(burst, now);
            b.tokens = Math.min(burst, b.tokens + (now - b.lastNanos) * ratePerNano);
            b.lastNanos = now;
            if (b.tokens >= 1) {
                b.tokens -= 1;
                allowed[0] = true;
            }
            return b;
        });
        return allowed[0];
    }

    int trackedClients() {
        return buckets.size();
    }

    private void scheduleSweep() {
        sweep = timer.newTimeout(t -> {
            long now = clock.nanoTime();
            buckets.entrySet().removeIf(e -> now - e.getValue().lastNanos > IDLE_NANOS);
            scheduleSweep();
        }, 5, TimeUnit.MINUTES);
    }

    @Override
    public void close() {
        Timeout t = sweep;
        if (t != null) t.cancel();
    }
}
