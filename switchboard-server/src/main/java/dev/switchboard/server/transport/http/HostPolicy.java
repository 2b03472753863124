package dev.switchboard.server.transport.http;

import io.netty.channel.Channel;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.NetUtil;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.List;
import java.util.Locale;

/**
 * Which {@code Host} and {@code Origin} headers a local-first server believes, against DNS
 * rebinding: a page on {@code http://evil.example:6388} whose name the attacker re-points at
 * 127.0.0.1 is same-origin with itself in the browser, so the browser lets it read the
 * answers; only the {@code Host} header it sends ({@code evil.example:6388}) gives it away.
 *
 * <p>A {@code Host} is believed when it is an IP address (a rebinding page always has a name),
 * {@code localhost} or a name under {@code .localhost}, or a name listed in
 * {@code --http-allowed-hosts} ({@code *} = any). Other names are refused on connections that
 * arrived on a loopback address, and everywhere once a list is configured. Connections on the
 * Unix socket are not reachable from a browser and are not checked.
 */
public final class HostPolicy {
    private final List<String> allowedHosts;
    private final List<String> allowedOrigins;

    public HostPolicy(List<String> allowedHosts, List<String> allowedOrigins) {
        this.allowedHosts = allowedHosts.stream().map(h -> h.toLowerCase(Locale.ROOT)).toList();
        this.allowedOrigins = allowedOrigins;
    }

    /** Whether a request with this {@code Host} (null when absent: not a browser) may be served on {@code ch}. */
    public boolean hostAllowed(Channel ch, String host) {
        if (host == null || allowedHosts.contains("*") || !(ch.localAddress() instanceof InetSocketAddress local)) return true;
        String name = hostName(host);
        if (name == null) return false;
        if (isIpLiteral(name) || name.equals("localhost") || name.endsWith(".localhost") || allowedHosts.contains(name)) return true;
        return !local.getAddress().isLoopbackAddress() && allowedHosts.isEmpty();
    }

    /**
     * Whether a browser page from {@code origin} (null: not a browser) may open a WebSocket: an
     * origin listed in {@code --ws-allowed-origins} ({@code *} = any), or the server's own origin —
     * the same scheme (https on a TLS connection), host and port as the {@code Host} the request
     * was sent to, which {@link #hostAllowed} has accepted.
     */
    public boolean originAllowed(Channel ch, String origin, String host) {
        if (origin == null || allowedOrigins.contains("*") || allowedOrigins.contains(origin)) return true;
        if (host == null || !hostAllowed(ch, host)) return false;
        String scheme = ch.pipeline().get(SslHandler.class) != null ? "https" : "http";
        try {
            URI u = new URI(origin);
            if (!scheme.equalsIgnoreCase(u.getScheme()) || u.getHost() == null || u.getRawPath() != null && !u.getRawPath().isEmpty()) {
                return false;
            }
            int port = u.getPort() < 0 ? defaultPort(scheme) : u.getPort();
            String originHost = u.getHost().toLowerCase(Locale.ROOT);
            return originHost.equals(hostName(host)) && port == hostPort(host, defaultPort(scheme));
        } catch (java.net.URISyntaxException e) {
            return false;
        }
    }

    private static int defaultPort(String scheme) {
        return scheme.equals("https") ? 443 : 80;
    }

    /** The name in {@code Host} (lower case, IPv6 in brackets), or null when it is malformed. */
    static String hostName(String host) {
        String h = host.trim().toLowerCase(Locale.ROOT);
        if (h.startsWith("[")) {
            int end = h.indexOf(']');
            return end < 0 ? null : h.substring(0, end + 1);
        }
        int colon = h.indexOf(':');
        String name = colon < 0 ? h : h.substring(0, colon);
        return name.isEmpty() ? null : name;
    }

    private static int hostPort(String host, int defaultPort) {
        String h = host.trim();
        int colon = h.lastIndexOf(':');
        if (colon < 0 || h.lastIndexOf(']') > colon) return defaultPort;
        try {
            return Integer.parseInt(h.substring(colon + 1));
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private static boolean isIpLiteral(String name) {
        String bare = name.startsWith("[") ? name.substring(1, name.length() - 1) : name;
        return NetUtil.isValidIpV4Address(bare) || name.startsWith("[") && NetUtil.isValidIpV6Address(bare);
    }
}
