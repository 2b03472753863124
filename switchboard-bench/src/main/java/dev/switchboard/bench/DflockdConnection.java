package dev.switchboard.bench;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A dflockd line-protocol client on a plain blocking socket. Blocking is the simple and honest
 * choice here: the protocol allows one request at a time per connection, each worker owns its
 * connection and thread, and dflockd's own bench drives it the same way (a goroutine per worker).
 */
final class DflockdConnection implements BenchConnection {
    private static final int MAX_LINE = 1 << 20;

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;

    DflockdConnection(ServerAddress server, String authToken, int connectTimeoutMs, int readTimeoutMs) throws IOException {
        socket = new Socket();
        try {
            socket.setTcpNoDelay(true);
            socket.connect(new InetSocketAddress(server.host(), server.port()), connectTimeoutMs);
            socket.setSoTimeout(readTimeoutMs);
            in = new BufferedInputStream(socket.getInputStream());
            out = socket.getOutputStream();
            if (authToken != null) {
                String reply = call("auth", "_", authToken);
                if (!reply.equals("ok")) {
                    throw new IOException("auth failed: " + reply);
                }
            }
        } catch (IOException | RuntimeException e) {
            close();
            throw e;
        }
    }

    @Override
    public String acquire(String key, long timeoutSeconds, long leaseSeconds) throws IOException {
        String reply = call("l", key, timeoutSeconds + " " + leaseSeconds);
        if (reply.equals("timeout")) {
            return null;
        }
        String[] f = reply.split(" ");
        if (f.length != 3 || !f[0].equals("ok")) {
            throw new IOException("acquire " + key + ": server answered '" + reply + "'");
        }
        return f[1];
    }

    @Override
    public void release(String key, String token) throws IOException {
        String reply = call("r", key, token);
        if (!reply.equals("ok")) {
            throw new IOException("release " + key + ": server answered '" + reply + "'");
        }
    }

    /**
     * Pipelines non-blocking acquires ({@code l} with timeout 0): all requests in one write, then
     * the answers in order. Returns the tokens; throws when any key was not granted at once.
     */
    List<String> acquireAll(List<String> keys, long leaseSeconds) throws IOException {
        StringBuilder batch = new StringBuilder(keys.size() * 40);
        for (String key : keys) {
            batch.append("l\n").append(key).append("\n0 ").append(leaseSeconds).append('\n');
        }
        out.write(batch.toString().getBytes(StandardCharsets.UTF_8));
        out.flush();
        List<String> tokens = new ArrayList<>(keys.size());
        for (String key : keys) {
            String[] f = readLine().split(" ");
            if (f.length != 3 || !f[0].equals("ok")) {
                throw new IOException("acquire " + key + ": server answered '" + String.join(" ", f) + "'");
            }
            tokens.add(f[1]);
        }
        return tokens;
    }

    /** Sends the three request lines in one write (one segment with TCP_NODELAY) and reads the answer line. */
    private String call(String cmd, String key, String arg) throws IOException {
        out.write((cmd + "\n" + key + "\n" + arg + "\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
        return readLine();
    }

    private String readLine() throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream(64);
        while (true) {
            int b = in.read();
            if (b < 0) {
                throw new EOFException("server closed the connection");
            }
            if (b == '\n') {
                break;
            }
            if (line.size() >= MAX_LINE) {
                throw new IOException("answer line longer than " + MAX_LINE + " bytes");
            }
            line.write(b);
        }
        String s = line.toString(StandardCharsets.UTF_8);
        return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException ignored) {
            // Nothing useful to do: the bench is done with this connection either way.
        }
    }
}
