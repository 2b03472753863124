package dev.switchboard.server.acomm;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import tools.jackson.databind.JsonNode;

/**
 * A Unix socket that receives acomm frames as acomm's tracker does: one frame per connection,
 * acknowledged with the empty Response, the frame recorded; or, when {@code silent}, read and
 * never acknowledged (a hook that hangs). {@code onFrame} runs after the acknowledgement.
 */
public final class HookListener implements AutoCloseable {
    private final Path path;
    private final ServerSocketChannel server;
    private final Thread acceptor;
    private final BlockingQueue<JsonNode> received = new LinkedBlockingQueue<>();
    private final boolean silent;
    private final Consumer<JsonNode> onFrame;

    public HookListener(Path path, boolean silent, Consumer<JsonNode> onFrame) throws IOException {
        this.path = path;
        this.silent = silent;
        this.onFrame = onFrame;
        Files.deleteIfExists(path);
        this.server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(path));
        this.acceptor = new Thread(this::acceptLoop, "hook-listener");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    public static HookListener acking(Path path) throws IOException {
        return new HookListener(path, false, f -> { });
    }

    public Path path() {
        return path;
    }

    /** The next frame received, or an AssertionError after {@code seconds}. */
    public JsonNode next(long seconds) throws InterruptedException {
        JsonNode n = received.poll(seconds, TimeUnit.SECONDS);
        if (n == null) throw new AssertionError("no frame at " + path + " within " + seconds + " s");
        return n;
    }

    public int waiting() {
        return received.size();
    }

    private void acceptLoop() {
        while (server.isOpen()) {
            try (SocketChannel ch = server.accept()) {
                ByteBuffer len = ByteBuffer.allocate(4);
                readFully(ch, len);
                ByteBuffer body = ByteBuffer.allocate(len.flip().getInt());
                readFully(ch, body);
                JsonNode frame = AcommPeer.JSON.readTree(new String(body.array(), StandardCharsets.UTF_8));
                received.add(frame);
                if (silent) {
                    // Hold the connection open without an answer until the sender gives up and closes it.
                    ch.read(ByteBuffer.allocate(1));
                    continue;
                }
                byte[] ack = "{\"error\":\"\",\"id\":\"\",\"result\":null,\"stream_url\":null}".getBytes(StandardCharsets.UTF_8);
                ch.write(ByteBuffer.allocate(4 + ack.length).putInt(ack.length).put(ack).flip());
                onFrame.accept(frame);
            } catch (IOException e) {
                if (!server.isOpen()) return;
            }
        }
    }

    private static void readFully(SocketChannel ch, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            if (ch.read(b) < 0) throw new IOException("closed");
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
        Files.deleteIfExists(path);
    }
}
