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
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * The peer baseline: the usual single-instance Redis lock, {@code SET key token NX PX lease} to
 * take it and a compare-and-delete script to free it, spoken in RESP on a blocking socket. Redis
 * has no queue, so a contended acquire polls (every millisecond) until its timeout: the bench
 * compares like with like only on unique keys.
 */
final class RedisConnection implements BenchConnection {
    private static final String UNLOCK =
            "if redis.call('get',KEYS[1])==ARGV[1] then return redis.call('del',KEYS[1]) else return 0 end";

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;

    RedisConnection(ServerAddress server, int connectTimeoutMs, int readTimeoutMs) throws IOException {
        socket = new Socket();
        try {
            socket.setTcpNoDelay(true);
            socket.connect(new InetSocketAddress(server.host(), server.port()), connectTimeoutMs);
            socket.setSoTimeout(readTimeoutMs);
            in = new BufferedInputStream(socket.getInputStream());
            out = socket.getOutputStream();
        } catch (IOException | RuntimeException e) {
            close();
            throw e;
        }
    }

    @Override
    public String acquire(String key, long timeoutSeconds, long leaseSeconds) throws IOException {
        String token = UUID.randomUUID().toString();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
        while (true) {
            String reply = call("SET", key, token, "NX", "PX", String.valueOf(leaseSeconds * 1000));
            if (reply.equals("+OK")) return token;
            if (!reply.equals("$-1")) throw new IOException("SET " + key + ": redis answered '" + reply + "'");
            if (System.nanoTime() >= deadline) return null;
            try {
                Thread.sleep(1);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted", e);
            }
        }
    }

    @Override
    public void release(String key, String token) throws IOException {
        String reply = call("EVAL", UNLOCK, "1", key, token);
        if (!reply.equals(":1")) throw new IOException("unlock " + key + ": redis answered '" + reply + "'");
    }

    private String call(String... args) throws IOException {
        StringBuilder sb = new StringBuilder().append('*').append(args.length).append("\r\n");
        for (String a : args) {
            byte[] b = a.getBytes(StandardCharsets.UTF_8);
            sb.append('$').append(b.length).append("\r\n").append(a).append("\r\n");
        }
        out.write(sb.toString().getBytes(StandardCharsets.UTF_8));
        out.flush();
        String line = readLine();
        if (line.startsWith("$") && !line.equals("$-1")) {
            line = readLine(); // a bulk string: its text follows
        }
        return line;
    }

    private String readLine() throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream(32);
        int prev = -1;
        while (true) {
            int b = in.read();
            if (b < 0) throw new EOFException("redis closed the connection");
            if (b == '\n' && prev == '\r') {
                byte[] bytes = line.toByteArray();
                return new String(bytes, 0, bytes.length - 1, StandardCharsets.UTF_8);
            }
            line.write(b);
            prev = b;
        }
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException ignored) {
            // the bench is done with this connection either way
        }
    }
}
