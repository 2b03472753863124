package dev.switchboard.server.transport;

import io.netty.channel.Channel;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioDomainSocketChannel;
import io.netty.channel.socket.nio.NioServerDomainSocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.channel.unix.DomainSocketChannel;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.file.Path;
import java.util.Locale;
import java.util.function.BooleanSupplier;

/**
 * The node's I/O transport, chosen once (--io-transport): Netty's native epoll on Linux where its
 * library loads, Java NIO elsewhere. A channel registers only on an event loop of its own kind, so
 * every event loop group and every bootstrap of the node takes what it needs from here.
 */
public enum IoTransport {
    /** Java NIO: every platform. */
    NIO {
        @Override public IoHandlerFactory ioHandlerFactory() { return NioIoHandler.newFactory(); }
        @Override public Class<? extends ServerChannel> serverSocketChannel() { return NioServerSocketChannel.class; }
        @Override public Class<? extends Channel> socketChannel() { return NioSocketChannel.class; }
        @Override public Class<? extends ServerChannel> serverDomainSocketChannel() { return NioServerDomainSocketChannel.class; }
        @Override public Class<? extends Channel> domainSocketChannel() { return NioDomainSocketChannel.class; }
        @Override public SocketAddress unixAddress(Path path) { return UnixDomainSocketAddress.of(path); }
    },
    /** Netty's native epoll (Linux; the library shipped is for x86-64): fewer system calls and copies per write. */
    EPOLL {
        @Override public IoHandlerFactory ioHandlerFactory() { return EpollIoHandler.newFactory(); }
        @Override public Class<? extends ServerChannel> serverSocketChannel() { return EpollServerSocketChannel.class; }
        @Override public Class<? extends Channel> socketChannel() { return EpollSocketChannel.class; }
        @Override public Class<? extends ServerChannel> serverDomainSocketChannel() { return EpollServerDomainSocketChannel.class; }
        @Override public Class<? extends Channel> domainSocketChannel() { return EpollDomainSocketChannel.class; }
        @Override public SocketAddress unixAddress(Path path) { return new DomainSocketAddress(path.toFile()); }
    };

    /** For both kinds of event loop group: the accepting one and the workers. */
    public abstract IoHandlerFactory ioHandlerFactory();

    /** TCP listeners. */
    public abstract Class<? extends ServerChannel> serverSocketChannel();

    /** Outgoing TCP connections (webhooks, response hooks). */
    public abstract Class<? extends Channel> socketChannel();

    /** The Unix socket listener. */
    public abstract Class<? extends ServerChannel> serverDomainSocketChannel();

    /** Outgoing Unix socket connections (acomm backends and hooks). */
    public abstract Class<? extends Channel> domainSocketChannel();

    /** A Unix socket address of the type this transport's channels take. */
    public abstract SocketAddress unixAddress(Path path);

    /** The option's name, as written on the command line and in logs. */
    public String optionValue() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** epoll where its native library loads, NIO elsewhere. */
    public static IoTransport auto() {
        return Epoll.isAvailable() ? EPOLL : NIO;
    }

    /** The transport an --io-transport value names: auto, epoll or nio. */
    public static IoTransport choose(String value) {
        return choose(value, Epoll::isAvailable);
    }

    static IoTransport choose(String value, BooleanSupplier epollAvailable) {
        String v = value == null ? "auto" : value.trim().toLowerCase(Locale.ROOT);
        switch (v) {
            case "auto":
                return epollAvailable.getAsBoolean() ? EPOLL : NIO;
            case "nio":
                return NIO;
            case "epoll":
                if (!epollAvailable.getAsBoolean()) {
                    Throwable why = Epoll.unavailabilityCause();
                    throw new IllegalArgumentException("--io-transport epoll is not available on this machine ("
                            + (why == null ? "the native library did not load" : why.getMessage())
                            + "; the library shipped is for Linux x86-64): use auto or nio");
                }
                return EPOLL;
            default:
                throw new IllegalArgumentException("--io-transport must be auto, epoll or nio, not '" + value + "'");
        }
    }

    /** Whether a connection came over a Unix socket, whichever transport accepted it. */
    public static boolean onUnixSocket(Channel channel) {
        return channel instanceof DomainSocketChannel || channel instanceof NioDomainSocketChannel;
    }
}
