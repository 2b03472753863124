package dev.switchboard.server.dflockd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import dev.switchboard.server.Switchboard;
import dev.switchboard.server.SwitchboardConfig;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.awaitility.Awaitility;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A plain-socket dflockd line-protocol client for the compatibility tests, plus the few shared
 * helpers of this package (starting servers, token and stats parsing).
 *
 * <p>Every read is bounded: {@link #line()} fails the test when no complete {@code \n}-terminated
 * line arrives within {@link #TIMEOUT}. Lines are returned without their {@code \n}; a {@code \r}
 * sent by the server stays in the returned text, so exact comparisons catch {@code \r\n}.
 */
public final class LineClient implements AutoCloseable {
    public static final Duration TIMEOUT = Duration.ofSeconds(5);
    public static final Pattern TOKEN = Pattern.compile("^[0-9a-f]{32}$");
    public static final String TOKEN_RE = "([0-9a-f]{32})";
    /** A float as Go's encoding/json prints it: shortest form, no trailing zeros, exponent only below 1e-6. */
    public static final String GO_FLOAT_RE = "(?:0|[1-9][0-9]*)(?:\\.[0-9]*[1-9])?|[1-9](?:\\.[0-9]*[1-9])?e-[0-9]{2,}";
    public static final JsonMapper JSON = JsonMapper.builder().build();

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    private final String name;

    public LineClient(int port) {
        this(port, "client", 0);
    }

    public LineClient(int port, String name) {
        this(port, name, 0);
    }

    /** @param receiveBuffer when &gt; 0, SO_RCVBUF set before connecting (for slow-consumer tests) */
    public LineClient(int port, String name, int receiveBuffer) {
        this.name = name;
        try {
            socket = new Socket();
            if (receiveBuffer > 0) socket.setReceiveBufferSize(receiveBuffer);
            socket.setTcpNoDelay(true);
            socket.setSoTimeout((int) TIMEOUT.toMillis());
            socket.connect(new InetSocketAddress("127.0.0.1", port), (int) TIMEOUT.toMillis());
            // Buffered: lines are read a byte at a time, which unbuffered is a system call per byte.
            in = new BufferedInputStream(socket.getInputStream(), 64 * 1024);
            out = socket.getOutputStream();
        } catch (IOException e) {
            throw new AssertionError(name + ": cannot connect to 127.0.0.1:" + port, e);
        }
    }

    public static LineClient connect(Switchboard sb) {
        return new LineClient(sb.port());
    }

    public static LineClient connect(Switchboard sb, String name) {
        return new LineClient(sb.port(), name);
    }

    // ------------------------------------------------------------------------------------------
    // Sending

    public LineClient send(String s) {
        return sendBytes(s.getBytes(StandardCharsets.UTF_8));
    }

    public LineClient sendBytes(byte[] bytes) {
        try {
            out.write(bytes);
            out.flush();
        } catch (IOException e) {
            throw new AssertionError(name + ": write of " + show(new String(bytes, StandardCharsets.UTF_8))
                    + " failed", e);
        }
        return this;
    }

    /** Sends {@code cmd\nkey\narg\n}. */
    public LineClient req(String cmd, String key, String arg) {
        return send(cmd + "\n" + key + "\n" + arg + "\n");
    }

    /** Sends {@code cmd\nkey\narg\n} and returns the one response line (without {@code \n}). */
    public String call(String cmd, String key, String arg) {
        req(cmd, key, arg);
        return line();
    }

    /** Sends raw bytes and returns the one response line. */
    public String callRaw(String raw) {
        send(raw);
        return line();
    }

    // ------------------------------------------------------------------------------------------
    // Receiving

    /** Reads one {@code \n}-terminated line within {@link #TIMEOUT}; fails on EOF, reset or timeout. */
    public String line() {
        return line(TIMEOUT);
    }

    public String line(Duration within) {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        long deadline = System.nanoTime() + within.toNanos();
        try {
            while (true) {
                long left = Math.max(1, (deadline - System.nanoTime()) / 1_000_000);
                if (System.nanoTime() >= deadline) {
                    throw new AssertionError(name + ": no complete line within " + within.toMillis()
                            + " ms; partial bytes " + show(buf.toString(StandardCharsets.UTF_8)));
                }
                socket.setSoTimeout((int) Math.min(left, Integer.MAX_VALUE));
                int b;
                try {
                    b = in.read();
                } catch (SocketTimeoutException e) {
                    throw new AssertionError(name + ": no complete line within " + within.toMillis()
                            + " ms; partial bytes " + show(buf.toString(StandardCharsets.UTF_8)));
                }
                if (b < 0) {
                    throw new AssertionError(name + ": connection closed by server while reading a line; partial bytes "
                            + show(buf.toString(StandardCharsets.UTF_8)));
                }
                if (b == '\n') return buf.toString(StandardCharsets.UTF_8);
                buf.write(b);
            }
        } catch (SocketException e) {
            throw new AssertionError(name + ": socket error while reading a line (" + e.getMessage()
                    + "); partial bytes " + show(buf.toString(StandardCharsets.UTF_8)), e);
        } catch (IOException e) {
            throw new AssertionError(name + ": I/O error while reading a line", e);
        } finally {
            try {
                socket.setSoTimeout((int) TIMEOUT.toMillis());
            } catch (SocketException ignored) {
                // closed
            }
        }
    }

    /** Reads {@code n} lines. */
    public List<String> lines(int n) {
        List<String> r = new ArrayList<>();
        for (int i = 0; i < n; i++) r.add(line());
        return r;
    }

    /** Asserts that nothing at all arrives (and the connection stays open) for {@code quiet}. */
    public void assertSilentFor(Duration quiet) {
        try {
            socket.setSoTimeout((int) quiet.toMillis());
            int b = in.read();
            if (b < 0) fail(name + ": expected silence but the server closed the connection");
            ByteArrayOutputStream buf = new ByteArrayOutputStream();
            buf.write(b);
            socket.setSoTimeout(200);
            try {
                while (b != '\n' && (b = in.read()) >= 0) buf.write(b);
            } catch (SocketTimeoutException ignored) {
                // partial
            }
            fail(name + ": expected no bytes for " + quiet.toMillis() + " ms but received "
                    + show(buf.toString(StandardCharsets.UTF_8)));
        } catch (SocketTimeoutException expected) {
            // silence, as wanted
        } catch (IOException e) {
            throw new AssertionError(name + ": expected silence but got " + e, e);
        } finally {
            try {
                socket.setSoTimeout((int) TIMEOUT.toMillis());
            } catch (SocketException ignored) {
                // closed
            }
        }
    }

    /**
     * Asserts the server closes the connection within {@link #TIMEOUT} without sending any (more)
     * byte: {@code read()} returns -1 (a TCP reset also counts as closed).
     */
    public void assertClosedByServer() {
        assertClosedByServer(TIMEOUT);
    }

    public void assertClosedByServer(Duration within) {
        try {
            socket.setSoTimeout((int) within.toMillis());
            int b = in.read();
            if (b >= 0) {
                ByteArrayOutputStream buf = new ByteArrayOutputStream();
                buf.write(b);
                socket.setSoTimeout(200);
                try {
                    int c;
                    while (buf.size() < 512 && (c = in.read()) >= 0) buf.write(c);
                } catch (IOException ignored) {
                    // enough
                }
                fail(name + ": expected the server to close the connection with no more bytes, but received "
                        + show(buf.toString(StandardCharsets.UTF_8)));
            }
        } catch (SocketTimeoutException e) {
            fail(name + ": the server did not close the connection within " + within.toMillis() + " ms");
        } catch (SocketException e) {
            // connection reset: closed by the server
        } catch (IOException e) {
            throw new AssertionError(name + ": unexpected I/O error", e);
        }
    }

    /** Reads and discards everything until EOF (bounded by count and time); returns true when EOF/reset was seen. */
    public boolean drainUntilClosed(Duration within) {
        long deadline = System.nanoTime() + within.toNanos();
        byte[] buf = new byte[64 * 1024];
        try {
            while (System.nanoTime() < deadline) {
                socket.setSoTimeout((int) Math.max(1, Math.min(500, (deadline - System.nanoTime()) / 1_000_000)));
                try {
                    if (in.read(buf) < 0) return true;
                } catch (SocketTimeoutException e) {
                    // keep waiting
                }
            }
            return false;
        } catch (SocketException e) {
            return true;
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    // ------------------------------------------------------------------------------------------
    // Convenience on top of the wire

    /** {@code ping} → {@code ok}: proves the connection is open and in sync. */
    public void assertAlive() {
        assertThat(call("ping", "_", "")).as(name + ": ping on a connection that must stay open").isEqualTo("ok");
    }

    /** Sends a request, expects exactly {@code error}, and proves the connection stays open. */
    public void assertErrorKeepsOpen(String cmd, String key, String arg) {
        assertThat(call(cmd, key, arg))
                .as(name + ": response to " + show(cmd + "\n" + key + "\n" + arg + "\n"))
                .isEqualTo("error");
        assertAlive();
    }

    /** Sends a lock-style request expecting {@code <status> <T> <lease>}; returns T. */
    public String grant(String cmd, String key, String arg, String status, long lease) {
        String line = call(cmd, key, arg);
        return grantToken(line, status, lease, cmd + "\n" + key + "\n" + arg + "\n");
    }

    /** {@code l\nkey\narg\n} → {@code ok <T> <lease>}; returns T. */
    public String lock(String key, String arg, long lease) {
        return grant("l", key, arg, "ok", lease);
    }

    /** {@code l\nkey\n0\n} → {@code ok <T> 33}. */
    public String lock(String key) {
        return lock(key, "0", 33);
    }

    public void release(String key, String token) {
        assertThat(call("r", key, token)).as(name + ": release of " + token + " on " + key).isEqualTo("ok");
    }

    /** Current {@code stats} JSON (after asserting the {@code ok } prefix). */
    public String statsJson() {
        String line = call("stats", "_", "_");
        assertThat(line).as(name + ": stats response").startsWith("ok {");
        return line.substring(3);
    }

    public JsonNode stats() {
        return JSON.readTree(statsJson());
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException ignored) {
            // best effort
        }
    }

    public Socket socket() {
        return socket;
    }

    // ------------------------------------------------------------------------------------------
    // Static helpers

    public static String grantToken(String line, String status, long lease, String request) {
        Pattern p = Pattern.compile("^" + Pattern.quote(status) + " " + TOKEN_RE + " " + lease + "$");
        Matcher m = p.matcher(line);
        assertThat(m.matches())
                .as("response to " + show(request) + " was " + show(line + "\n") + ", expected "
                        + show(status + " <T> " + lease + "\n"))
                .isTrue();
        return m.group(1);
    }

    /** Unsigned fence = first 16 hex chars of a v2.1 token. */
    public static long fence(String token) {
        assertThat(token).matches(TOKEN);
        return Long.parseUnsignedLong(token.substring(0, 16), 16);
    }

    /** Shows bytes readably: control characters escaped, long runs abbreviated. */
    public static String show(String s) {
        StringBuilder b = new StringBuilder("\"");
        int n = s.length();
        for (int i = 0; i < n; i++) {
            if (n > 160 && i == 60) {
                b.append("…(").append(n - 100).append(" chars)…");
                i = n - 40;
            }
            char c = s.charAt(i);
            switch (c) {
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                default -> {
                    if (c < 0x20) b.append(String.format("\\x%02x", (int) c));
                    else b.append(c);
                }
            }
        }
        return b.append('"').toString();
    }

    /** Base config for tests: ephemeral port, quick shutdown. */
    public static SwitchboardConfig.Builder config() {
        return Switchboard.builder().host("127.0.0.1").port(0).shutdownTimeout(Duration.ofSeconds(2));
    }

    public static Switchboard start() {
        return config().start();
    }

    public static Switchboard start(UnaryOperator<SwitchboardConfig.Builder> customize) {
        return customize.apply(config()).start();
    }

    /** Awaits (bounded) until the stats seen by {@code observer} satisfy {@code condition}. */
    public static void awaitStats(LineClient observer, java.util.function.Predicate<JsonNode> condition, String what) {
        Awaitility.await(what)
                .atMost(TIMEOUT)
                .pollInterval(Duration.ofMillis(20))
                .pollDelay(Duration.ZERO)
                .until(() -> condition.test(observer.stats()));
    }

    /** Waiter count of the lock entry {@code key} (0 when absent). */
    public static int lockWaiters(JsonNode stats, String key) {
        return entryInt(stats, "locks", key, "waiters");
    }

    public static int semWaiters(JsonNode stats, String key) {
        return entryInt(stats, "semaphores", key, "waiters");
    }

    public static int entryInt(JsonNode stats, String array, String key, String field) {
        JsonNode arr = stats.get(array);
        if (arr == null) return 0;
        for (JsonNode e : arr) {
            if (key.equals(e.get("key").asString())) return e.get(field).asInt();
        }
        return 0;
    }

    public static boolean hasEntry(JsonNode stats, String array, String key) {
        JsonNode arr = stats.get(array);
        if (arr == null) return false;
        for (JsonNode e : arr) {
            if (key.equals(e.get("key").asString())) return true;
        }
        return false;
    }

    public static String repeat(char c, int n) {
        return String.valueOf(c).repeat(n);
    }
}
