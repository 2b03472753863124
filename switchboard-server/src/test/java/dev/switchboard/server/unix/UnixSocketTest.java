package dev.switchboard.server.unix;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.switchboard.server.Switchboard;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** The Unix domain socket speaks every protocol of the TCP port, and shares its sessions. */
class UnixSocketTest {
    private static final JsonMapper JSON = JsonMapper.builder().build();

    @TempDir
    Path dir;

    /** A blocking client on the socket file that reads one line at a time. */
    private static final class Uds implements AutoCloseable {
        private final SocketChannel ch;
        private final ByteBuffer in = ByteBuffer.allocate(64 * 1024);

        Uds(Path path) throws IOException {
            ch = SocketChannel.open(StandardProtocolFamily.UNIX);
            ch.connect(UnixDomainSocketAddress.of(path));
            in.flip();
        }

        void send(String text) throws IOException {
            ByteBuffer b = ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8));
            while (b.hasRemaining()) ch.write(b);
        }

        String readLine() throws IOException {
            StringBuilder line = new StringBuilder();
            while (true) {
                while (in.hasRemaining()) {
                    char c = (char) in.get();
                    if (c == '\n') return line.toString();
                    line.append(c);
                }
                in.clear();
                if (ch.read(in) < 0) throw new IOException("closed");
                in.flip();
            }
        }

        @Override
        public void close() throws IOException {
            ch.close();
        }
    }

    @Test
    void dflockdAndNativeClientsWorkOnTheSocketAndShareSessionsWithTcp() throws Exception {
        Path socket = dir.resolve("switchboard.sock");
        try (Switchboard sb = Switchboard.builder().port(0).unixSocket(socket).shutdownTimeout(Duration.ofSeconds(1)).start()) {
            assertThat(Files.exists(socket)).isTrue();
            try (Uds d = new Uds(socket)) {
                d.send("l\nuds-key\n5\n");
                assertThat(d.readLine()).matches("ok [0-9a-f]{32} 33");
            }
            // A native session opened over TCP is resumed over the Unix socket.
            JsonNode welcome;
            try (java.net.Socket tcp = new java.net.Socket("127.0.0.1", sb.port())) {
                tcp.getOutputStream().write("{\"op\":\"hello\",\"id\":1,\"version\":1}\n".getBytes(StandardCharsets.UTF_8));
                welcome = JSON.readTree(new java.io.BufferedReader(new java.io.InputStreamReader(tcp.getInputStream(),
                        StandardCharsets.UTF_8)).readLine());
            }
            try (Uds n = new Uds(socket)) {
                n.send("{\"op\":\"hello\",\"id\":1,\"version\":1,\"resume\":{\"session\":\"" + welcome.path("session").asString()
                        + "\",\"key\":\"" + welcome.path("resume_key").asString() + "\",\"last_seq\":0}}\n");
                JsonNode resumed = JSON.readTree(n.readLine());
                assertThat(resumed.path("resumed").asBoolean()).isTrue();
                assertThat(resumed.path("session").asString()).isEqualTo(welcome.path("session").asString());
            }
            try (Uds h = new Uds(socket)) {
                h.send("GET /health HTTP/1.1\r\nHost: local\r\nConnection: close\r\n\r\n");
                assertThat(h.readLine()).isEqualTo("HTTP/1.1 200 OK\r");
            }
        }
        assertThat(Files.exists(socket)).as("the socket file is removed on stop").isFalse();
    }

    @Test
    void aStaleSocketFileIsReplacedButAnotherFileIsNot() throws Exception {
        Path socket = dir.resolve("stale.sock");
        try (Switchboard first = Switchboard.builder().port(0).unixSocket(socket).start()) {
            assertThat(Files.exists(socket)).isTrue();
        }
        // Simulate a crash: a socket file left behind by a process that is gone.
        try (java.nio.channels.ServerSocketChannel leftover = java.nio.channels.ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            leftover.bind(UnixDomainSocketAddress.of(socket));
        }
        try (Switchboard sb = Switchboard.builder().port(0).unixSocket(socket).start(); Uds d = new Uds(socket)) {
            d.send("ping\n_\n\n");
            assertThat(d.readLine()).isEqualTo("ok");
        }
        Path regular = Files.writeString(dir.resolve("not-a-socket"), "data");
        assertThatThrownBy(() -> Switchboard.builder().port(0).unixSocket(regular).start())
                .hasMessageContaining("not a socket");
        assertThat(Files.readString(regular)).isEqualTo("data");
    }
}
