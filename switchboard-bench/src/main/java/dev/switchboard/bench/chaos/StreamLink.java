package dev.switchboard.bench.chaos;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/** Native JSON on the main TCP port: one object per line, or 4-byte length-prefixed frames. */
final class StreamLink implements MessageLink {
    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    private final boolean frames;

    StreamLink(String host, int port, boolean frames) throws IOException {
        this.socket = Sockets.open(host, port);
        this.in = new BufferedInputStream(socket.getInputStream());
        this.out = socket.getOutputStream();
        this.frames = frames;
    }

    @Override
    public void send(String json) throws IOException {
        byte[] body = json.getBytes(StandardCharsets.UTF_8);
        if (frames) {
            out.write(ByteBuffer.allocate(4 + body.length).putInt(body.length).put(body).array());
        } else {
            byte[] line = new byte[body.length + 1];
            System.arraycopy(body, 0, line, 0, body.length);
            line[body.length] = '\n';
            out.write(line);
        }
        out.flush();
    }

    @Override
    public String receive() throws IOException {
        if (!frames) {
            return Sockets.readLine(in);
        }
        int length = new DataInputStream(in).readInt();
        if (length < 0 || length > (1 << 20)) {
            throw new IOException("frame length out of range: " + length);
        }
        return new String(Sockets.readExactly(in, length), StandardCharsets.UTF_8);
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
