package dev.switchboard.bench.chaos;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
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
 * Native JSON over a WebSocket on {@code /api/v1/ws}, written on a raw socket (RFC 6455 client
 * side: masked frames out, fragments joined in, pings answered) so that a cut is a real reset.
 */
final class WebSocketLink implements MessageLink {
    private static final int MAX_MESSAGE = 1 << 20;
    private final Socket socket;
    private final DataInputStream in;
    private final OutputStream out;

    WebSocketLink(String host, int port) throws IOException {
        socket = Sockets.open(host, port);
        try {
            InputStream raw = new BufferedInputStream(socket.getInputStream());
            out = socket.getOutputStream();
            byte[] nonce = new byte[16];
            ThreadLocalRandom.current().nextBytes(nonce);
            String upgrade = "GET /api/v1/ws HTTP/1.1\r\nHost: " + host + ":" + port + "\r\n"
                    + "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                    + "Sec-WebSocket-Key: " + Base64.getEncoder().encodeToString(nonce) + "\r\n"
                    + "Sec-WebSocket-Version: 13\r\n\r\n";
            out.write(upgrade.getBytes(StandardCharsets.US_ASCII));
            out.flush();
            String status = Sockets.readLine(raw);
            if (!status.startsWith("HTTP/1.1 101")) {
                throw new IOException("WebSocket upgrade refused: " + status);
            }
            while (!Sockets.readLine(raw).isEmpty()) {
                // Headers of the 101: nothing in them changes what follows.
            }
            in = new DataInputStream(raw);
        } catch (IOException | RuntimeException e) {
            Sockets.closeQuietly(socket);
            throw e;
        }
    }

    @Override
    public void send(String json) throws IOException {
        writeFrame(0x1, json.getBytes(StandardCharsets.UTF_8));
    }

    private synchronized void writeFrame(int opcode, byte[] payload) throws IOException {
        ByteArrayOutputStream frame = new ByteArrayOutputStream(payload.length + 14);
        frame.write(0x80 | opcode);
        if (payload.length < 126) {
            frame.write(0x80 | payload.length);
        } else if (payload.length < 65_536) {
            frame.write(0x80 | 126);
            frame.write(payload.length >>> 8);
            frame.write(payload.length);
        } else {
            frame.write(0x80 | 127);
            for (int shift = 56; shift >= 0; shift -= 8) {
                frame.write((int) ((long) payload.length >>> shift));
            }
        }
        byte[] mask = new byte[4];
        ThreadLocalRandom.current().nextBytes(mask);
        frame.write(mask);
        for (int i = 0; i < payload.length; i++) {
            frame.write(payload[i] ^ mask[i & 3]);
        }
        out.write(frame.toByteArray());
        out.flush();
    }

    @Override
    public String receive() throws IOException {
        ByteArrayOutputStream message = new ByteArrayOutputStream();
        while (true) {
            int head = in.readUnsignedByte();
            int opcode = head & 0x0f;
            boolean fin = (head & 0x80) != 0;
            int second = in.readUnsignedByte();
            long length = second & 0x7f;
            if (length == 126) {
                length = in.readUnsignedShort();
            } else if (length == 127) {
                length = in.readLong();
            }
            if (length < 0 || length + message.size() > MAX_MESSAGE) {
                throw new IOException("WebSocket message too large: " + length);
            }
            byte[] payload = Sockets.readExactly(in, (int) length);
            switch (opcode) {
                case 0x0, 0x1, 0x2 -> {
                    message.write(payload);
                    if (fin) {
                        return message.toString(StandardCharsets.UTF_8);
                    }
                }
                case 0x8 -> throw new EOFException("the server closed the WebSocket");
                case 0x9 -> writeFrame(0xA, payload);
                default -> {
                    // 0xA (pong) and reserved opcodes carry nothing for the soak.
                }
            }
        }
    }

    @Override
    public void cut() {
        Sockets.reset(socket);
    }

    @Override
    public void close() {
        Sockets.closeQuietly(socket);
    }
}
