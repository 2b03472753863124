package dev.switchboard.bench.relay;

import dev.switchboard.bench.ServerAddress;
import dev.switchboard.bench.chaos.Sockets;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A Switchboard peer on {@code /api/v1/ws}, on a blocking socket with hand-written RFC 6455 frames
 * (masked out, as a client must), so that what is measured is the server, not a client library. It
 * says hello anonymously, so its address is its session id, and sends and receives direct messages
 * as binary WebSocket messages in the given {@link RelayFraming}; an error event (a refused compact
 * SEND is one) fails the run.
 */
final class WebSocketPeer implements RelayPeer {
    /** Bigger than any benchmark frame: a larger message means something is wrong. */
    private static final int MAX_MESSAGE = 1 << 21;
    private final Socket socket;
    private final DataInputStream in;
    private final OutputStream out;
    private final RelayFraming framing;
    private final byte[] mask = new byte[4];
    private final String session;
    private byte[] readBuffer = new byte[1 << 14];
    private long nextId = 2;
    private volatile boolean closing;

    WebSocketPeer(ServerAddress server, RelayFraming framing) throws IOException {
        this.framing = framing;
        socket = Sockets.open(server.host(), server.port());
        try {
            InputStream raw = new BufferedInputStream(socket.getInputStream(), 1 << 16);
            out = new BufferedOutputStream(socket.getOutputStream(), 1 << 16);
            ThreadLocalRandom.current().nextBytes(mask);
            byte[] nonce = new byte[16];
            ThreadLocalRandom.current().nextBytes(nonce);
            out.write(("GET /api/v1/ws HTTP/1.1\r\nHost: " + server + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                    + "Sec-WebSocket-Key: " + Base64.getEncoder().encodeToString(nonce) + "\r\n"
                    + "Sec-WebSocket-Version: 13\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            String status = Sockets.readLine(raw);
            if (!status.startsWith("HTTP/1.1 101")) throw new IOException("WebSocket upgrade refused: " + status);
            while (!Sockets.readLine(raw).isEmpty()) {
                // The 101's headers: nothing in them changes what follows.
            }
            in = new DataInputStream(raw);
            writeFrame(0x1, ("{\"op\":\"hello\",\"id\":1,\"version\":1" + framing.helloFields() + "}").getBytes(StandardCharsets.UTF_8));
            out.flush();
            String welcome = readText();
            if (!welcome.startsWith("{\"op\":\"welcome\"")) throw new IOException("no welcome but: " + welcome);
            if (!welcome.contains(framing.welcomeGrant())) throw new IOException("the welcome did not grant " + framing.welcomeGrant() + ": " + welcome);
            session = stringField(welcome, "session");
            socket.setSoTimeout(0); // a receiving peer's sender may pause; the run's own deadlines bound every wait
        } catch (IOException | RuntimeException e) {
            Sockets.closeQuietly(socket);
            throw e;
        }
    }

    @Override
    public String address() {
        return session;
    }

    @Override
    public void send(String to, byte[] payload) throws IOException {
        byte[] frame = framing.send(nextId++, to, payload);
        synchronized (this) {
            writeFrame(0x2, frame);
        }
    }

    @Override
    public synchronized void flush() throws IOException {
        out.flush();
    }

    @Override
    public void read(Inbox inbox) throws IOException {
        try {
            while (true) {
                int opcode = readFrame();
                int len = frameLength;
                if (opcode == 0x2) {
                    int at = framing.payloadOffset(readBuffer, len);
                    if (at < 0) {
                        inbox.failed(framing.rejection());
                        return;
                    }
                    inbox.message(readBuffer, at, len - at);
                } else if (opcode == 0x1) {
                    String text = new String(readBuffer, 0, len, StandardCharsets.UTF_8);
                    if (text.startsWith("{\"op\":\"reply\"")) {
                        inbox.acknowledged();
                    } else if (text.startsWith("{\"op\":\"ping\"")) {
                        control(0x1, "{\"op\":\"pong\"}".getBytes(StandardCharsets.UTF_8)); // the native heartbeat
                    } else if (text.startsWith("{\"op\":\"error\"")) {
                        inbox.failed("the server answered: " + text);
                        return;
                    }
                } else if (opcode == 0x9) {
                    control(0xA, java.util.Arrays.copyOf(readBuffer, len));
                } else if (opcode == 0x8) {
                    if (!closing) inbox.failed("the server closed the WebSocket of " + session);
                    return;
                }
            }
        } catch (IOException e) {
            if (!closing) throw e;
        }
    }

    private synchronized void control(int opcode, byte[] payload) throws IOException {
        writeFrame(opcode, payload);
        out.flush();
    }

    private int frameLength;

    /** Reads one whole message into {@link #readBuffer} (joining fragments); returns its opcode. */
    private int readFrame() throws IOException {
        int opcode = -1;
        int total = 0;
        while (true) {
            int head = in.readUnsignedByte();
            int second = in.readUnsignedByte();
            long length = second & 0x7f;
            if (length == 126) length = in.readUnsignedShort();
            else if (length == 127) length = in.readLong();
            if (length < 0 || total + length > MAX_MESSAGE) throw new IOException("a WebSocket message of " + length + " bytes");
            int frameOpcode = head & 0x0f;
            if (frameOpcode >= 0x8) { // a control frame may come between fragments: answer it on its own
                byte[] payload = Sockets.readExactly(in, (int) length);
                if (frameOpcode == 0x8) return 0x8;
                if (frameOpcode == 0x9) control(0xA, payload);
                continue;
            }
            if (frameOpcode != 0) opcode = frameOpcode;
            if (readBuffer.length < total + length) readBuffer = java.util.Arrays.copyOf(readBuffer, Math.max(readBuffer.length * 2, total + (int) length));
            in.readFully(readBuffer, total, (int) length);
            total += (int) length;
            if ((head & 0x80) != 0) {
                frameLength = total;
                return opcode;
            }
        }
    }

    private String readText() throws IOException {
        while (true) {
            int opcode = readFrame();
            if (opcode == 0x1) return new String(readBuffer, 0, frameLength, StandardCharsets.UTF_8);
            if (opcode == 0x8) throw new EOFException("the server closed the WebSocket");
        }
    }

    /** A client frame, masked with this connection's key; the caller flushes. */
    private void writeFrame(int opcode, byte[] payload) throws IOException {
        out.write(0x80 | opcode);
        if (payload.length < 126) {
            out.write(0x80 | payload.length);
        } else if (payload.length < 65_536) {
            out.write(0x80 | 126);
            out.write(payload.length >>> 8);
            out.write(payload.length);
        } else {
            out.write(0x80 | 127);
            for (int shift = 56; shift >= 0; shift -= 8) out.write((int) ((long) payload.length >>> shift));
        }
        out.write(mask);
        for (int i = 0; i < payload.length; i++) payload[i] ^= mask[i & 3];
        out.write(payload);
    }

    private static String stringField(String json, String name) throws IOException {
        String key = "\"" + name + "\":\"";
        int at = json.indexOf(key);
        if (at < 0) throw new IOException("no " + name + " in " + json);
        int from = at + key.length();
        return json.substring(from, json.indexOf('"', from));
    }

    @Override
    public void close() {
        closing = true;
        Sockets.closeQuietly(socket);
    }
}
