package dev.switchboard.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.switchboard.server.Switchboard;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.nio.NioIoHandler;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The client on Netty's native epoll and on NIO: the default, the switch, and a group the application gives. */
class ClientTransportTest {
    private static Switchboard server;

    @BeforeAll
    static void start() {
        server = Switchboard.builder().port(0).shutdownTimeout(Duration.ofSeconds(1)).start();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    /** A lock cycle, blocking and async, then the lock is free for someone else. */
    private static void lockCycle(SwitchboardClient client, String key) {
        Resource lock = Resource.lock(key);
        Optional<Grant> grant = client.acquire(lock, Duration.ofSeconds(5), Duration.ofSeconds(30));
        assertThat(grant).isPresent();
        client.release(lock, grant.get().token());
        Optional<Grant> again = client.acquireAsync(lock, Duration.ofSeconds(5), Duration.ofSeconds(30)).join();
        assertThat(again).isPresent();
        client.releaseAsync(lock, again.get().token()).join();
    }

    @Test
    void onLinuxAClientThatOwnsItsLoopRunsOnEpollByDefault() {
        assumeTrue(Epoll.isAvailable(), "native epoll does not load here");
        try (SwitchboardClient client = SwitchboardClient.connect("127.0.0.1", server.port())) {
            assertThat(client.ioTransport()).isEqualTo("epoll");
            lockCycle(client, "transport-default");
        }
        try (SwitchboardClient client = SwitchboardClient.builder().port(server.port()).callersReadAnswers(false).connect()) {
            assertThat(client.ioTransport()).isEqualTo("epoll");
            lockCycle(client, "transport-one-io-thread");
        }
    }

    @Test
    void onEpollABufferWithoutANativeAddressIsLeftToNettyRatherThanWrittenDirectly() throws Exception {
        assumeTrue(Epoll.isAvailable(), "native epoll does not load here");
        io.netty.channel.epoll.EpollSocketChannel channel = new io.netty.channel.epoll.EpollSocketChannel();
        try {
            DirectWritable writer = ClientTransport.directWriter(channel);
            assertThat(writer).isNotNull();
            io.netty.buffer.ByteBuf heap = io.netty.buffer.Unpooled.wrappedBuffer(new byte[] {'{', '}', '\n'});
            assertThat(heap.hasMemoryAddress()).isFalse();
            assertThat(writer.writeNow(heap)).isZero();
            assertThat(heap.readerIndex()).isZero();
        } finally {
            channel.unsafe().closeForcibly();
        }
    }

    @Test
    void nativeTransportOffRunsOnNio() {
        try (SwitchboardClient client = SwitchboardClient.builder().port(server.port()).nativeTransport(false).connect()) {
            assertThat(client.ioTransport()).isEqualTo("nio");
            lockCycle(client, "transport-nio");
        }
    }

    @Test
    void aClientOnAGroupTheApplicationGivesRunsOnThatGroupsTransport() throws Exception {
        assumeTrue(Epoll.isAvailable(), "native epoll does not load here");
        EventLoopGroup epoll = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
        EventLoopGroup nio = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        try (SwitchboardClient onEpoll = SwitchboardClient.builder().port(server.port()).eventLoopGroup(epoll).connect();
             SwitchboardClient onNio = SwitchboardClient.builder().port(server.port()).eventLoopGroup(nio).nativeTransport(true).connect()) {
            assertThat(onEpoll.ioTransport()).isEqualTo("epoll");
            assertThat(onNio.ioTransport()).isEqualTo("nio");
            lockCycle(onEpoll, "transport-group-epoll");
            lockCycle(onNio, "transport-group-nio");
        } finally {
            epoll.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
            nio.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
    }
}
