package dev.switchboard.server.transport.http;

import io.netty.channel.Channel;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.ConcurrentHashMap;

/**
 * dflockd's {@code --http-max-connections-per-ip}: HTTP connections per remote IP, counted once
 * a connection is known to be HTTP; one over the cap is closed without a response.
 */
public final class HttpConnectionLimiter {
    private final int maxPerIp;
    private final ConcurrentHashMap<InetAddress, Integer> open = new ConcurrentHashMap<>();

    HttpConnectionLimiter(int maxPerIp) {
        this.maxPerIp = maxPerIp;
    }

    /** Counts the connection, or returns false when its IP is at the cap. */
    public boolean admit(Channel ch) {
        if (maxPerIp <= 0 || !(ch.remoteAddress() instanceof InetSocketAddress a)) return true;
        InetAddress ip = a.getAddress();
        boolean[] ok = {false};
        open.compute(ip, (k, n) -> {
            int count = n == null ? 0 : n;
            if (count >= maxPerIp) return n;
            ok[0] = true;
            return count + 1;
        });
        if (ok[0]) {
            ch.closeFuture().addListener(f -> open.computeIfPresent(ip, (k, n) -> n <= 1 ? null : n - 1));
        }
        return ok[0];
    }
}
