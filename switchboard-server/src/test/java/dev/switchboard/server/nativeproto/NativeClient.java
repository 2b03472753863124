package dev.switchboard.server.nativeproto;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** A raw native-protocol test client over a plain socket, in JSON lines or length-prefixed frames. */
final class NativeClient implements AutoCloseable {
    static final JsonMapper JSON = JsonMapper.builder().build();

    private final Socket socket;
    private final OutputStream out;
    private final DataInputStream in;
    private final boolean framed;
    /**
     * Replies that came while {@link #readReply} waited for another id, kept by id for the read
     * that asks for them: replies to requests in flight together may come in any order.
     */
    private final Map<String, JsonNode> earlyReplies = new HashMap<>();

    NativeClient(int port, boolean framed) throws IOException {
        this(new Socket("127.0.0.1", port), framed);
    }

    private NativeClient(Socket socket, boolean framed) throws IOException {
        this.socket = socket;
        this.socket.setSoTimeout(5000);
        this.socket.setTcpNoDelay(true);
        this.out = socket.getOutputStream();
        this.in = new DataInputStream(socket.getInputStream());
        this.framed = framed;
    }

    static NativeClient lines(int port) throws IOException {
        return new NativeClient(port, false);
    }

    static NativeClient frames(int port) throws IOException {
        return new NativeClient(port, true);
    }

    /**
     * A JSON-lines client whose socket takes in at most about {@code receiveBufferBytes}: one that
     * stops reading stalls the server's writes to it soon (a slow consumer for the tests).
     */
    static NativeClient withSmallReceiveBuffer(int port, int receiveBufferBytes) throws IOException {
        Socket s = new Socket();
        s.setReceiveBufferSize(receiveBufferBytes);
        s.connect(new java.net.InetSocketAddress("127.0.0.1", port), 5000);
        return new NativeClient(s, false);
    }

    /** Connects and completes the handshake; returns the client with the welcome consumed. */
    static NativeClient hello(int port) throws IOException {
        NativeClient c = lines(port);
        c.send("{\"op\":\"hello\",\"id\":0,\"version\":1}");
        JsonNode welcome = c.read();
        if (!"welcome".equals(welcome.path("op").asString())) {
            throw new IOException("no welcome: " + welcome);
        }
        return c;
    }

    void send(String json) throws IOException {
        forgetEarlyReply(json);
        byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
        if (framed) {
            out.write(ByteBuffer.allocate(4).putInt(bytes.length).array());
            out.write(bytes);
        } else {
            out.write(bytes);
            out.write('\n');
        }
        out.flush();
    }

    void send(Map<String, ?> message) throws IOException {
        send(JSON.writeValueAsString(message));
    }

    void sendRaw(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }

    /** The next length-prefixed frame's bytes as they are (a frames client). */
    byte[] readFrame() throws IOException {
        int n = in.readInt();
        byte[] b = new byte[n];
        in.readFully(b);
        return b;
    }

    String readText() throws IOException {
        if (framed) {
            int n = in.readInt();
            byte[] b = new byte[n];
            in.readFully(b);
            return new String(b, StandardCharsets.UTF_8);
        }
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        while (true) {
            int b = in.read();
            if (b < 0) throw new EOFException("closed after " + line.toString(StandardCharsets.UTF_8));
            if (b == '\n') return line.toString(StandardCharsets.UTF_8);
            line.write(b);
        }
    }

    JsonNode read() throws IOException {
        return JSON.readTree(readText());
    }

    /**
     * The reply with this id: one that came earlier while another was awaited, or the next one to
     * arrive. Replies with other ids read meanwhile are kept for their own reads; a message without
     * an id other than a heartbeat is returned as it is.
     */
    JsonNode readReply(Object id) throws IOException {
        String wanted = String.valueOf(id);
        JsonNode early = earlyReplies.remove(wanted);
        if (early != null) return early;
        while (true) {
            JsonNode m = read();
            if (m.has("id")) {
                String got = m.get("id").asString();
                if (got.equals(wanted)) return m;
                earlyReplies.put(got, m);
            } else if (!"ping".equals(m.path("op").asString())) {
                return m;
            }
        }
    }

    /** A new request with an id makes any unread reply to an earlier one with that id stale. */
    private void forgetEarlyReply(String json) {
        if (earlyReplies.isEmpty()) return;
        try {
            JsonNode id = JSON.readTree(json).get("id");
            if (id != null) earlyReplies.remove(id.asString());
        } catch (RuntimeException notJson) {
            // a test sending malformed input on purpose: no request id to go by
        }
    }

    JsonNode request(String json, Object id) throws IOException {
        send(json);
        return readReply(id);
    }

    /** True when the server closes the connection within the socket timeout, reading and dropping anything first. */
    boolean closedByServer() throws IOException {
        InputStream raw = socket.getInputStream();
        try {
            while (raw.read() >= 0) {
                // drain
            }
            return true;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return true; // reset by the server
        }
    }

    void setTimeout(int ms) throws IOException {
        socket.setSoTimeout(ms);
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
