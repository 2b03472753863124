package dev.switchboard.server.nativeproto;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.EOFException;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import tools.jackson.databind.JsonNode;

/** Compact relay frames as a test client writes and reads them (see RelayFrame), and a frames client on the Unix socket. */
final class RelayFrames {
    private RelayFrames() {
    }

    /** {@code 01 01 | id length | id | payload}: send {@code payload} to {@code to}. */
    static byte[] send(String to, byte[] payload) {
        byte[] id = to.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(3 + id.length + payload.length).put((byte) 1).put((byte) 1).put((byte) id.length)
                .put(id).put(payload).array();
    }

    /** A MESSAGE frame the server sent: its sender, seq and payload (checking its version and type). */
    record Message(String from, long seq, byte[] payload) {
        static Message of(byte[] frame) {
            assertThat(frame[0]).as("version").isEqualTo((byte) 1);
            assertThat(frame[1]).as("type: message").isEqualTo((byte) 2);
            int n = frame[2] & 0xff;
            String from = new String(frame, 3, n, StandardCharsets.UTF_8);
            long seq = ByteBuffer.wrap(frame, 3 + n, 8).getLong();
            return new Message(from, seq, Arrays.copyOfRange(frame, 3 + n + 8, frame.length));
        }
    }

    /** A native client in length-prefixed frames on the Unix socket; every read is bounded (5 s). */
    static final class UnixFrames implements java.io.Closeable {
        private final SocketChannel ch;

        UnixFrames(Path path) throws IOException {
            ch = SocketChannel.open(StandardProtocolFamily.UNIX);
            ch.connect(UnixDomainSocketAddress.of(path));
        }

        void sendJson(String json) throws IOException {
            sendFrame(json.getBytes(StandardCharsets.UTF_8));
        }

        void sendFrame(byte[] body) throws IOException {
            ByteBuffer b = ByteBuffer.allocate(4 + body.length).putInt(body.length).put(body).flip();
            while (b.hasRemaining()) ch.write(b);
        }

        byte[] readFrame() throws Exception {
            return CompletableFuture.supplyAsync(() -> {
                try {
                    ByteBuffer len = readFully(4);
                    return readFully(len.getInt()).array();
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }).get(5, TimeUnit.SECONDS);
        }

        JsonNode readJson() throws Exception {
            byte[] f = readFrame();
            while (f.length > 0 && f[0] != '{') f = readFrame(); // binary messages are read with readFrame
            return NativeClient.JSON.readTree(new String(f, StandardCharsets.UTF_8));
        }

        private ByteBuffer readFully(int n) throws IOException {
            ByteBuffer b = ByteBuffer.allocate(n);
            while (b.hasRemaining()) {
                if (ch.read(b) < 0) throw new EOFException("closed");
            }
            return b.flip();
        }

        @Override
        public void close() throws IOException {
            ch.close();
        }
    }
}
