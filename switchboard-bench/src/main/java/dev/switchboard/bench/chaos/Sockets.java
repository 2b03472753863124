package dev.switchboard.bench.chaos;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/** Blocking loopback sockets as the chaos clients use them: opened quickly, cut with a reset. */
public final class Sockets {
    /** No answer takes this long on loopback, not even a wait (waits are shorter): past it, the run reports an error. */
    static final int READ_TIMEOUT_MS = 30_000;
    private static final int MAX_LINE = 1 << 20;

    private Sockets() {
    }

    public static Socket open(String host, int port) throws IOException {
        Socket socket = new Socket();
        try {
            socket.setTcpNoDelay(true);
            socket.connect(new InetSocketAddress(host, port), 5_000);
            socket.setSoTimeout(READ_TIMEOUT_MS);
            return socket;
        } catch (IOException e) {
            socket.close();
            throw e;
        }
    }

    /** Closes with SO_LINGER 0, so the peer sees a reset rather than an orderly end: the cut a crash makes. */
    public static void reset(Socket socket) {
        try {
            socket.setSoLinger(true, 0);
        } catch (IOException ignored) {
            // Already closed: the reset has nothing left to do.
        }
        closeQuietly(socket);
    }

    public static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException ignored) {
            // The connection is being thrown away either way.
        }
    }

    /** One line without its {@code \n} (and a {@code \r} before it). */
    public static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream(128);
        while (true) {
            int b = in.read();
            if (b < 0) {
                throw new EOFException("the server closed the connection");
            }
            if (b == '\n') {
                break;
            }
            if (line.size() >= MAX_LINE) {
                throw new IOException("line longer than " + MAX_LINE + " bytes");
            }
            line.write(b);
        }
        String s = line.toString(StandardCharsets.UTF_8);
        return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
    }

    public static byte[] readExactly(InputStream in, int n) throws IOException {
        byte[] b = in.readNBytes(n);
        if (b.length < n) {
            throw new EOFException("the server closed the connection");
        }
        return b;
    }
}
