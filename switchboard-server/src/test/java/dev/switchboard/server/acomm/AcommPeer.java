package dev.switchboard.server.acomm;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A client that speaks acomm's wire as acomm's Go code does: 4-byte big-endian length frames of
 * JSON, over the Unix socket or TCP. Reads loop until a frame is whole (unlike acomm's own reader).
 */
public final class AcommPeer implements AutoCloseable {
    public static final JsonMapper JSON = JsonMapper.builder().build();

    private final AutoCloseable connection;
    private final OutputStream out;
    private final DataInputStream in;

    private AcommPeer(AutoCloseable connection, OutputStream out, InputStream in) {
        this.connection = connection;
        this.out = out;
        this.in = new DataInputStream(in);
    }

    /** A connection to the node's Unix socket. */
    public static AcommPeer unix(Path socket) throws IOException {
        SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
        ch.connect(UnixDomainSocketAddress.of(socket));
        return new AcommPeer(ch, Channels.newOutputStream(ch), Channels.newInputStream(ch));
    }

    /** A connection to the node's TCP port (loopback). */
    public static AcommPeer tcp(int port) throws IOException {
        Socket s = new Socket("127.0.0.1", port);
        s.setSoTimeout(5000);
        s.setTcpNoDelay(true);
        return new AcommPeer(s, s.getOutputStream(), s.getInputStream());
    }

    /** Writes one frame of {@code json}. */
    public void send(String json) throws IOException {
        byte[] body = json.getBytes(StandardCharsets.UTF_8);
        out.write(ByteBuffer.allocate(4).putInt(body.length).array());
        out.write(body);
        out.flush();
    }

    /** Writes raw bytes (a frame in pieces, a bad length). */
    public void sendRaw(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }

    /** Reads one whole frame, however many reads it takes. */
    public String readText() throws IOException {
        int n = in.readInt();
        byte[] body = new byte[n];
        in.readFully(body);
        return new String(body, StandardCharsets.UTF_8);
    }

    public JsonNode read() throws IOException {
        return JSON.readTree(readText());
    }

    /** True when the server closed the connection (end of stream at a frame boundary). */
    public boolean closedByServer() {
        try {
            return in.read() < 0;
        } catch (IOException e) {
            return true;
        }
    }

    /** An acomm request, with the hook in Go's url.URL struct form (as acomm marshals it), or none. */
    public static String request(String id, String task, String argsJson, String goHookJson) {
        return "{\"id\":\"" + id + "\",\"task\":\"" + task + "\",\"responsehook\":" + (goHookJson == null ? "null" : goHookJson)
                + ",\"args\":" + argsJson + "}";
    }

    /** Go's url.URL for {@code unix://<path>}, field for field as Go 1.19+ marshals it. */
    public static String goUnixUrl(Path path) {
        return "{\"Scheme\":\"unix\",\"Opaque\":\"\",\"User\":null,\"Host\":\"\",\"Path\":\"" + path.toAbsolutePath()
                + "\",\"RawPath\":\"\",\"OmitHost\":false,\"ForceQuery\":false,\"RawQuery\":\"\",\"Fragment\":\"\",\"RawFragment\":\"\"}";
    }

    @Override
    public void close() throws Exception {
        connection.close();
    }
}
