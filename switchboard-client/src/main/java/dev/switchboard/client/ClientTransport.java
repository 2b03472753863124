package dev.switchboard.client;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFactory;
import io.netty.channel.EventLoop;
import io.netty.channel.IoEventLoop;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.SelectStrategyFactory;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import java.time.Duration;

/**
 * Which of Netty's transports a client's connection runs on: native epoll where it loads (Linux
 * x86-64, the jar the client ships with) unless turned off, Java NIO elsewhere; and for a loop
 * the application gives, the channel type that loop can run.
 *
 * <p>Why native: a client's own CPU per request is what limits a load generator, and epoll's
 * edge-triggered reads and direct JNI calls cost less per answer than the JDK selector's
 * bookkeeping (the server made the same move for its own loops).
 */
final class ClientTransport {
    private ClientTransport() {
    }

    /**
     * The handler for a loop the client creates itself; on epoll it polls up to {@code answerSpin}
     * before it sleeps ({@link AnswerSpin}; zero: never), on NIO it sleeps at once.
     */
    static IoHandlerFactory handlerFactory(boolean nativeTransport, Duration answerSpin) {
        SelectStrategyFactory strategy = AnswerSpin.factory(answerSpin);
        return nativeTransport && Epoll.isAvailable() ? EpollIoHandler.newFactory(0, strategy) : NioIoHandler.newFactory();
    }

    /** The channel for {@code loop}: epoll on an epoll loop, NIO on any other. */
    static ChannelFactory<Channel> channelFactory(EventLoop loop) {
        if (loop instanceof IoEventLoop io && io.isIoType(EpollIoHandler.class)) {
            return EpollSocketChannel::new;
        }
        return DirectWriteSocketChannel::new;
    }

    /** The socket of {@code channel} for writes from the caller's thread; null when it has none we can reach. */
    static DirectWritable directWriter(Channel channel) {
        if (channel instanceof DirectWritable nio) {
            return nio;
        }
        if (channel instanceof EpollSocketChannel epoll) {
            return bytes -> {
                if (!bytes.hasMemoryAddress()) {
                    return 0; // the native write takes only native memory: Netty copies and writes this one
                }
                // By address: a ByteBuffer would cost two JNI look-ups (its class, its address) per write.
                int written = epoll.fd().writeAddress(bytes.memoryAddress(), bytes.readerIndex(), bytes.writerIndex()); // 0 when it would block
                bytes.skipBytes(written);
                return written;
            };
        }
        return null;
    }

    /** What the loop runs on, for logs and tests: "epoll" or "nio". */
    static String name(EventLoop loop) {
        return loop instanceof IoEventLoop io && io.isIoType(EpollIoHandler.class) ? "epoll" : "nio";
    }
}
