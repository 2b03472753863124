package dev.switchboard.bench.chaos;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * dflockd's line protocol on a raw socket. Leases and timeouts are whole seconds there, so a
 * lease asked for in ms is rounded up to at least a second; the session (and every slot it holds)
 * ends with the connection, so a cut frees what it held and {@link #reconnect()} starts afresh.
 */
final class DflockdWire extends CutWire {
    private final String host;
    private final int port;
    private volatile Socket socket;
    private InputStream in;
    private OutputStream out;

    DflockdWire(String host, int port) throws IOException {
        this.host = host;
        this.port = port;
        connect();
    }

    private void connect() throws IOException {
        Socket s = Sockets.open(host, port);
        in = new BufferedInputStream(s.getInputStream());
        out = s.getOutputStream();
        socket = s;
    }

    @Override
    public Transport transport() {
        return Transport.DFLOCKD;
    }

    private static long seconds(long ms) {
        return Math.max(1, (ms + 999) / 1000);
    }

    private static long timeoutSeconds(long ms) {
        return Math.round(ms / 1000.0);
    }

    @Override
    public Granted acquire(Target t, long timeoutMs, long leaseMs) throws IOException, Refused {
        String reply = t.isSemaphore()
                ? call("sl", t.key(), timeoutSeconds(timeoutMs) + " " + t.limit() + " " + seconds(leaseMs))
                : call("l", t.key(), timeoutSeconds(timeoutMs) + " " + seconds(leaseMs));
        return reply.equals("timeout") ? null : grant(reply, "ok");
    }

    @Override
    public Granted enqueue(Target t, long leaseMs) throws IOException, Refused {
        String reply = t.isSemaphore()
                ? call("se", t.key(), t.limit() + " " + seconds(leaseMs))
                : call("e", t.key(), String.valueOf(seconds(leaseMs)));
        return reply.equals("queued") ? null : grant(reply, "acquired");
    }

    @Override
    public Granted await(Target t, long timeoutMs) throws IOException, Refused {
        String reply = call(t.isSemaphore() ? "sw" : "w", t.key(), String.valueOf(timeoutSeconds(timeoutMs)));
        return reply.equals("timeout") ? null : grant(reply, "ok");
    }

    @Override
    public long renew(Target t, String token, long leaseMs) throws IOException, Refused {
        String reply = call(t.isSemaphore() ? "sn" : "n", t.key(), token + " " + seconds(leaseMs));
        String[] f = reply.split(" ");
        if (f.length != 2 || !f[0].equals("ok")) {
            throw refusal(reply, "not_held");
        }
        return Long.parseLong(f[1]) * 1000;
    }

    @Override
    public void release(Target t, String token) throws IOException, Refused {
        String reply = call(t.isSemaphore() ? "sr" : "r", t.key(), token);
        if (!reply.equals("ok")) {
            throw refusal(reply, "not_held");
        }
    }

    @Override
    public void listen(String pattern) throws IOException, Refused {
        expectOk(call("listen", pattern, ""));
    }

    @Override
    public void unlisten(String pattern) throws IOException, Refused {
        expectOk(call("unlisten", pattern, ""));
    }

    @Override
    public int publish(String channel, String payload) throws IOException, Refused {
        String reply = call("signal", channel, payload);
        if (!reply.startsWith("ok ")) {
            throw refusal(reply, "invalid_argument");
        }
        return Integer.parseInt(reply.substring(3));
    }

    private static void expectOk(String reply) throws Refused {
        if (!reply.equals("ok")) {
            throw refusal(reply, "invalid_argument");
        }
    }

    private static Granted grant(String reply, String word) throws IOException, Refused {
        String[] f = reply.split(" ");
        if (f.length == 3 && f[0].equals(word)) {
            return new Granted(f[1], Long.parseLong(f[2]) * 1000);
        }
        throw refusal(reply, "unexpected");
    }

    /** dflockd's status words mapped to the native codes; a bare {@code error} means {@code bare}. */
    private static Refused refusal(String reply, String bare) {
        String code = switch (reply) {
            case "error" -> bare;
            case "error_lease_expired" -> "lease_expired";
            case "error_not_enqueued" -> "not_enqueued";
            case "error_already_enqueued" -> "already_enqueued";
            case "error_max_waiters" -> "max_waiters";
            case "error_max_locks" -> "max_locks";
            case "error_limit_mismatch" -> "limit_mismatch";
            default -> "unexpected";
        };
        return new Refused(code, "dflockd answered '" + reply + "'");
    }

    /** One request, one answer; pushed {@code sig} lines of our subscriptions are skipped on the way. */
    private String call(String cmd, String key, String arg) throws IOException {
        out.write((cmd + "\n" + key + "\n" + arg + "\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
        while (true) {
            String line = Sockets.readLine(in);
            if (!line.startsWith("sig ")) {
                return line;
            }
        }
    }

    @Override
    void resetConnection() {
        Sockets.reset(socket);
    }

    @Override
    public boolean reconnect() throws IOException {
        Sockets.closeQuietly(socket);
        connect();
        return false;
    }

    @Override
    public boolean sessionOutlivesConnection() {
        return false;
    }

    @Override
    public void close(boolean endSession) {
        Sockets.closeQuietly(socket);
    }
}
