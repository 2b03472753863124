package dev.switchboard.server.transport;

import io.netty.channel.Channel;
import io.netty.channel.unix.DomainSocketAddress;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;

/**
 * How a connection's peer is written in logs, session views (stats, admin snapshot) and hook
 * events. A TCP peer is its address and port. A Unix socket client has no name of its own (and
 * NIO and epoll report it with different address types, epoll sometimes with none), so it is
 * written as the socket file it came in on: {@code unix:/run/switchboard.sock}.
 */
public final class PeerAddress {
    private PeerAddress() {
    }

    public static String of(Channel channel) {
        if (IoTransport.onUnixSocket(channel)) return "unix:" + unixPath(channel.localAddress());
        return String.valueOf(channel.remoteAddress());
    }

    /** The file of a Unix socket address of either transport's type; empty when unnamed. */
    static String unixPath(SocketAddress address) {
        if (address instanceof UnixDomainSocketAddress u) return u.getPath().toString();
        if (address instanceof DomainSocketAddress d) return d.path();
        return "";
    }
}
