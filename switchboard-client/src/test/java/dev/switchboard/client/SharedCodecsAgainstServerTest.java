package dev.switchboard.client;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.protocol.Ops;
import dev.switchboard.protocol.Protocol;
import dev.switchboard.protocol.json.Framing;
import dev.switchboard.protocol.json.JsonMessageDecoder;
import dev.switchboard.protocol.json.JsonMessageEncoder;
import dev.switchboard.server.Switchboard;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.assertj.core.api.InstanceOfAssertFactories;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The protocol module's codecs against today's server, in both framings: what they write, the
 * server reads, and what the server writes, they read. The client library itself only speaks
 * lines, so this is what shows the length-prefixed codec is byte-compatible too.
 */
class SharedCodecsAgainstServerTest {
    private static final int MAX_FRAME = 4096;
    private static final long WAIT_SECONDS = 10;

    private static Switchboard server;
    private static EventLoopGroup group;

    @BeforeAll
    static void start() {
        server = Switchboard.builder().port(0).maxFrameBytes(MAX_FRAME).shutdownTimeout(Duration.ofSeconds(1)).start();
        group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    }

    @AfterAll
    static void stop() {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        server.close();
    }

    /** A raw connection in one framing; every message read lands in {@code received}. */
    private static final class RawConnection implements AutoCloseable {
        final BlockingQueue<Object> received = new LinkedBlockingQueue<>();
        final Channel channel;

        RawConnection(Framing framing) throws InterruptedException {
            channel = new Bootstrap().group(group).channel(NioSocketChannel.class)
                    .handler(new ChannelInitializer<Channel>() {
                        @Override
                        protected void initChannel(Channel ch) {
                            ch.pipeline()
                                    .addLast(framing.newFramer(MAX_FRAME))
                                    .addLast(JsonMessageDecoder.toMaps())
                                    .addLast(new JsonMessageEncoder(framing))
                                    .addLast(new SimpleChannelInboundHandler<Object>() {
                                        @Override
                                        protected void channelRead0(ChannelHandlerContext ctx, Object msg) {
                                            received.add(msg);
                                        }
                                    });
                        }
                    })
                    .connect("127.0.0.1", server.port()).sync().channel();
        }

        Map<String, Object> ask(Map<String, Object> request) throws InterruptedException {
            channel.writeAndFlush(request);
            return next();
        }

        @SuppressWarnings("unchecked")
        Map<String, Object> next() throws InterruptedException {
            Object msg = received.poll(WAIT_SECONDS, TimeUnit.SECONDS);
            assertThat(msg).as("an answer within %d s", WAIT_SECONDS).isInstanceOf(Map.class);
            return (Map<String, Object>) msg;
        }

        @Override
        public void close() {
            channel.close().syncUninterruptibly();
        }
    }

    private static Map<String, Object> message(String op, Object id) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("op", op);
        m.put("id", id);
        return m;
    }

    private static Map<String, Object> hello() {
        Map<String, Object> hello = message(Ops.HELLO, 1);
        hello.put("version", Protocol.VERSION);
        return hello;
    }

    @SuppressWarnings("unchecked")
    private static String errorCode(Map<String, Object> reply) {
        assertThat(reply.get("op")).isEqualTo(Ops.ERROR);
        return (String) ((Map<String, Object>) reply.get("error")).get("code");
    }

    @ParameterizedTest
    @EnumSource(Framing.class)
    void handshakeAndALockRoundTrip(Framing framing) throws Exception {
        try (RawConnection c = new RawConnection(framing)) {
            Map<String, Object> welcome = c.ask(hello());
            assertThat(welcome.get("op")).isEqualTo(Ops.WELCOME);
            assertThat(welcome.get("protocol")).isEqualTo(Protocol.VERSION);

            Map<String, Object> acquire = message(Ops.LOCK_ACQUIRE, "a-1");
            acquire.put("key", "codec-" + framing + "-é");
            acquire.put("timeout_ms", 0);
            Map<String, Object> reply = c.ask(acquire);
            assertThat(reply.get("op")).isEqualTo(Ops.REPLY);
            assertThat(reply.get("id")).isEqualTo("a-1");
            assertThat(reply.get("result")).asInstanceOf(InstanceOfAssertFactories.MAP)
                    .containsEntry("status", "acquired").containsKey("token");
        }
    }

    @ParameterizedTest
    @EnumSource(Framing.class)
    void aMessageOverTheServersLimitIsAnsweredFrameTooLarge(Framing framing) throws Exception {
        try (RawConnection c = new RawConnection(framing)) {
            Map<String, Object> hello = hello();
            hello.put("client", "x".repeat(MAX_FRAME));

            assertThat(errorCode(c.ask(hello))).isEqualTo("frame_too_large");
        }
    }

    @ParameterizedTest
    @EnumSource(Framing.class)
    void bytesThatAreNotJsonAreAnsweredBadFrameAndTheConnectionGoesOn(Framing framing) throws Exception {
        try (RawConnection c = new RawConnection(framing)) {
            assertThat(c.ask(hello()).get("op")).isEqualTo(Ops.WELCOME);

            byte[] junk = "{not json".getBytes(StandardCharsets.UTF_8);
            ByteBuf raw = framing == Framing.LINES
                    ? Unpooled.buffer().writeBytes(junk).writeByte('\n')
                    : Unpooled.buffer().writeInt(junk.length).writeBytes(junk);
            c.channel.writeAndFlush(raw);
            assertThat(errorCode(c.next())).isEqualTo("bad_frame");

            assertThat(c.ask(message(Ops.PING, 2)).get("op")).isEqualTo(Ops.PONG);
        }
    }
}
