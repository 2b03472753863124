package dev.switchboard.server.ws;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/** A WebSocket client over a plain socket, for frames the JDK client will not send: fragments, early frames, bad close codes. */
final class RawWebSocket implements AutoCloseable {
    static final int TEXT = 1;
    static final int BINARY = 2;
    static final int CONTINUATION = 0;
    static final int CLOSE = 8;

    /** One frame as read: its opcode and payload. */
    record Frame(int opcode, byte[] payload) {
        String text() {
            return new String(payload, StandardCharsets.UTF_8);
        }

        int closeCode() {
            return ((payload[0] & 0xff) << 8) | (payload[1] & 0xff);
        }
    }

    private final Socket socket;
    private final DataInputStream in;

    /** Connects and sends the upgrade request followed, in the same write, by {@code early} (frames, say). */
    RawWebSocket(int port, byte[] early) throws IOException {
        this(port, "127.0.0.1:" + port, "", early);
    }

    /** Connects with this {@code Host} and extra header lines (each ending in CRLF); fails unless the answer is 101. */
    RawWebSocket(int port, String host, String extraHeaders, byte[] early) throws IOException {
        this(port, "/api/v1/ws", host, extraHeaders, early);
    }

    /** Connects to the WebSocket at {@code path} (the relay protocol's {@code /relay}, say). */
    RawWebSocket(int port, String path, String host, String extraHeaders, byte[] early) throws IOException {
        socket = new Socket("127.0.0.1", port);
        socket.setSoTimeout(5000);
        String key = Base64.getEncoder().encodeToString("switchboard-raw-ws".substring(0, 16).getBytes(StandardCharsets.US_ASCII));
        byte[] upgrade = ("GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\n" + extraHeaders + "Upgrade: websocket\r\n"
                + "Connection: Upgrade\r\nSec-WebSocket-Key: " + key + "\r\nSec-WebSocket-Version: 13\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII);
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        all.write(upgrade);
        all.write(early);
        socket.getOutputStream().write(all.toByteArray());
        in = new DataInputStream(socket.getInputStream());
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n") && head.length() < 8192) head.append((char) in.readUnsignedByte());
        if (!head.toString().startsWith("HTTP/1.1 101 ")) throw new IOException("upgrade refused: " + head);
    }

    /** A client frame (masked, as clients must send them). */
    static byte[] frame(int opcode, boolean fin, byte[] payload) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write((fin ? 0x80 : 0) | opcode);
        if (payload.length < 126) {
            out.write(0x80 | payload.length);
        } else {
            out.write(0x80 | 126);
            out.write(payload.length >> 8);
            out.write(payload.length & 0xff);
        }
        byte[] mask = {0x11, 0x22, 0x33, 0x44};
        out.write(mask, 0, 4);
        for (int i = 0; i < payload.length; i++) out.write(payload[i] ^ mask[i % 4]);
        return out.toByteArray();
    }

    static byte[] binary(byte[] payload) {
        return frame(BINARY, true, payload);
    }

    static byte[] text(String s, boolean fin, int opcode) {
        return frame(opcode, fin, s.getBytes(StandardCharsets.UTF_8));
    }

    static byte[] close(int code) {
        return frame(CLOSE, true, new byte[] {(byte) (code >> 8), (byte) code});
    }

    void send(byte[]... frames) throws IOException {
        for (byte[] f : frames) socket.getOutputStream().write(f);
        socket.getOutputStream().flush();
    }

    /** The next frame from the server (unmasked, short or 16-bit length). */
    Frame read() throws IOException {
        int b0 = in.readUnsignedByte();
        int len = in.readUnsignedByte() & 0x7f;
        if (len == 126) len = in.readUnsignedShort();
        else if (len == 127) len = (int) in.readLong();
        byte[] payload = new byte[len];
        in.readFully(payload);
        return new Frame(b0 & 0x0f, payload);
    }

    /** Reads frames until one with {@code opcode} arrives. */
    Frame readUntil(int opcode) throws IOException {
        while (true) {
            Frame f = read();
            if (f.opcode() == opcode) return f;
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
