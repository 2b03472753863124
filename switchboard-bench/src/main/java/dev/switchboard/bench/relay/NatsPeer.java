package dev.switchboard.bench.relay;

import dev.switchboard.bench.ServerAddress;
import dev.switchboard.bench.chaos.Sockets;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * The same traffic peer-to-peer through core NATS: a peer subscribes to its own subject
 * {@code peer.<address>}, and a partner publishes to it. nats-server's text protocol on a blocking
 * socket, written by hand like Switchboard's side.
 */
final class NatsPeer implements RelayPeer {
    private static final int MAX_MESSAGE = 1 << 21;
    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    private final String address;
    private byte[] readBuffer = new byte[1 << 14];
    private volatile boolean closing;

    NatsPeer(ServerAddress server, String address) throws IOException {
        this.address = address;
        socket = Sockets.open(server.host(), server.port());
        try {
            in = new BufferedInputStream(socket.getInputStream(), 1 << 16);
            out = new BufferedOutputStream(socket.getOutputStream(), 1 << 16);
            // The PONG answers the PING only once the SUB before it is in place.
            out.write(("CONNECT {\"verbose\":false,\"pedantic\":false,\"protocol\":1}\r\nSUB peer." + address + " 1\r\nPING\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            while (true) {
                String line = Sockets.readLine(in);
                if (line.equals("PONG")) break;
                if (line.startsWith("-ERR")) throw new IOException("nats-server answered: " + line);
            }
            socket.setSoTimeout(0);
        } catch (IOException | RuntimeException e) {
            Sockets.closeQuietly(socket);
            throw e;
        }
    }

    @Override
    public String address() {
        return address;
    }

    @Override
    public synchronized void send(String to, byte[] payload) throws IOException {
        out.write(("PUB peer." + to + " " + payload.length + "\r\n").getBytes(StandardCharsets.US_ASCII));
        out.write(payload);
        out.write('\r');
        out.write('\n');
    }

    @Override
    public synchronized void flush() throws IOException {
        out.flush();
    }

    @Override
    public void read(Inbox inbox) throws IOException {
        try {
            while (true) {
                String line = Sockets.readLine(in);
                if (line.startsWith("MSG ")) {
                    // MSG <subject> <sid> <bytes>
                    int len = Integer.parseInt(line.substring(line.lastIndexOf(' ') + 1));
                    if (len > MAX_MESSAGE) throw new IOException("a message of " + len + " bytes");
                    if (readBuffer.length < len + 2) readBuffer = new byte[Math.max(readBuffer.length * 2, len + 2)];
                    if (in.readNBytes(readBuffer, 0, len + 2) < len + 2) throw new IOException("nats-server closed the connection");
                    inbox.message(readBuffer, 0, len);
                } else if (line.equals("PING")) {
                    synchronized (this) {
                        out.write("PONG\r\n".getBytes(StandardCharsets.US_ASCII));
                        out.flush();
                    }
                } else if (line.startsWith("-ERR")) {
                    inbox.failed("nats-server answered: " + line);
                    return;
                }
            }
        } catch (IOException e) {
            if (!closing) throw e;
        }
    }

    @Override
    public void close() {
        closing = true;
        Sockets.closeQuietly(socket);
    }
}
