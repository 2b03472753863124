package dev.switchboard.server.nativeproto;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.switchboard.core.rpc.RpcResult;
import dev.switchboard.server.acomm.AcommPeer;
import dev.switchboard.server.acomm.HookListener;
import dev.switchboard.server.dflockd.LineClient;
import dev.switchboard.server.transport.IoTransport;
import io.netty.channel.epoll.Epoll;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.StandardProtocolFamily;
import java.net.URI;
import java.net.UnixDomainSocketAddress;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import tools.jackson.databind.JsonNode;

/**
 * The node on each I/O transport (--io-transport nio, and epoll where it loads): every listener
 * and every outgoing connection works, since each must use the channels of the event loops' kind —
 * dflockd lines, native JSON and HTTP on the TCP port, WebSocket, the Unix socket, the --http-port
 * listener, a webhook target, acomm's hook delivery — and the transport is named at start.
 */
class IoTransportTest {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static final HookReceiver RECEIVER = new HookReceiver().answer("/ok", 200, "{\"payload\":{\"invoice\":\"inv-1\"}}");

    @AfterAll
    static void stopReceiver() {
        RECEIVER.close();
    }

    @ParameterizedTest
    @EnumSource(IoTransport.class)
    void everyListenerAndOutgoingConnectionWorksOnTheTransport(IoTransport transport) throws Exception {
        Assumptions.assumeTrue(transport != IoTransport.EPOLL || Epoll.isAvailable(), "epoll does not load here");
        int httpPort = freePort();
        List<ILoggingEvent> startup;
        TestServer server;
        Logger nodeLog = (Logger) org.slf4j.LoggerFactory.getLogger("dev.switchboard.server.SwitchboardNode");
        ListAppender<ILoggingEvent> logged = new ListAppender<>();
        logged.start();
        Level level = nodeLog.getLevel();
        nodeLog.setLevel(Level.INFO);
        nodeLog.setAdditive(false); // the startup lines go to this appender only, not the console
        nodeLog.addAppender(logged);
        try {
            server = TestServer.start(b -> b.ioTransport(transport).httpPort(httpPort)
                    .rpcWebhook("wh.ok", RECEIVER.url("/ok"))
                    .onRequest("acomm.echo", ctx -> CompletableFuture.completedFuture(RpcResult.ok(ctx.payload()))));
        } finally {
            nodeLog.detachAppender(logged);
            nodeLog.setAdditive(true);
            nodeLog.setLevel(level);
            synchronized (logged) {
                startup = List.copyOf(logged.list);
            }
        }
        try (server) {
            assertThat(startup).as("the startup log names the transport").anySatisfy(e -> assertThat(e.getFormattedMessage())
                    .startsWith("listening on ").contains("I/O transport " + transport.optionValue()));

            try (LineClient dflockd = new LineClient(server.port())) {
                String token = dflockd.lock("io-" + transport + "-tcp");
                dflockd.release("io-" + transport + "-tcp", token);
            }
            try (NativeConn tcp = server.open("tcp")) {
                tcp.hello(null);
                JsonNode reply = tcp.request("{\"op\":\"rpc.call\",\"id\":2,\"name\":\"wh.ok\",\"payload\":1,\"timeout_ms\":4000}", 2);
                assertThat(reply.at("/result/payload/invoice").asString()).as("webhook answer %s", reply).isEqualTo("inv-1");
                assertThat(RECEIVER.next("/ok").path("name").asString()).isEqualTo("wh.ok");
            }
            try (NativeConn ws = server.open("websocket")) {
                ws.hello(null);
                assertThat(ws.request("{\"op\":\"ping\",\"id\":7}", 7).path("op").asString()).isEqualTo("pong");
            }
            assertThat(get(server.port(), "/health").statusCode()).isEqualTo(200);
            assertThat(get(httpPort, "/health").statusCode()).as("the --http-port listener").isEqualTo(200);

            Path socket = server.unixSocket();
            assertThat(dflockdLineOverUnix(socket, "l\nio-" + transport + "-unix\n5\n")).matches("ok [0-9a-f]{32} 33");
            try (NativeConn unix = server.open("unix")) {
                String session = unix.hello(null).path("session").asString();
                JsonNode view = server.view().session(session);
                assertThat(view.path("remote_address").asString()).as("%s", view)
                        .isEqualTo("unix:" + socket.toAbsolutePath());
                assertThat(view.at("/attached/0/remote_address").asString()).isEqualTo("unix:" + socket.toAbsolutePath());
            }

            // acomm: a request on the Unix socket, its Response sent by the node to a Unix hook (AcommSender).
            try (HookListener hook = HookListener.acking(socket.resolveSibling("hook.sock"));
                 AcommPeer acomm = AcommPeer.unix(socket)) {
                acomm.send(AcommPeer.request("io-1", "acomm.echo", "{\"n\":1}", AcommPeer.goUnixUrl(hook.path())));
                assertThat(acomm.read().path("error").asString()).isEmpty();
                JsonNode response = hook.next(10);
                assertThat(response.path("id").asString()).isEqualTo("io-1");
                assertThat(response.path("result").toString()).isEqualTo("{\"n\":1}");
            }
        }
    }

    private static HttpResponse<String> get(int port, String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(5))
                .build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Sends dflockd lines on a fresh Unix socket connection and reads the one-line answer. */
    private static String dflockdLineOverUnix(Path socket, String lines) throws IOException {
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(socket));
            ByteBuffer out = ByteBuffer.wrap(lines.getBytes(StandardCharsets.UTF_8));
            while (out.hasRemaining()) ch.write(out);
            StringBuilder line = new StringBuilder();
            ByteBuffer in = ByteBuffer.allocate(256);
            while (true) {
                in.clear();
                if (ch.read(in) < 0) throw new IOException("closed before a line: " + line);
                in.flip();
                while (in.hasRemaining()) {
                    char c = (char) in.get();
                    if (c == '\n') return line.toString();
                    line.append(c);
                }
            }
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
