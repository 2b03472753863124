package dev.switchboard.server.http.dflockd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/** A dflockd TCP line-protocol client on a raw socket; every read bounded by {@link Http#TIMEOUT}. */
final class TcpLine implements AutoCloseable {
    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;

    TcpLine(int port) {
        try {
            socket = new Socket();
            socket.setTcpNoDelay(true);
            socket.setSoTimeout((int) Http.TIMEOUT.toMillis());
            socket.connect(new InetSocketAddress("127.0.0.1", port), (int) Http.TIMEOUT.toMillis());
            in = socket.getInputStream();
            out = socket.getOutputStream();
        } catch (IOException e) {
            throw new AssertionError("cannot connect to 127.0.0.1:" + port, e);
        }
    }

    TcpLine send(String s) {
        try {
            out.write(s.getBytes(StandardCharsets.UTF_8));
            out.flush();
        } catch (IOException e) {
            throw new AssertionError("write failed", e);
        }
        return this;
    }

    String call(String raw) {
        send(raw);
        return line();
    }

    /** One {@code \n}-terminated line without its {@code \n}. */
    String line() {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        try {
            int b;
            while ((b = in.read()) >= 0 && b != '\n') buf.write(b);
            if (b < 0) fail("connection closed while reading a line; got " + Http.show(buf.toString(StandardCharsets.UTF_8)));
            return buf.toString(StandardCharsets.UTF_8);
        } catch (SocketTimeoutException e) {
            throw new AssertionError("no line within " + Http.TIMEOUT + "; got " + Http.show(buf.toString(StandardCharsets.UTF_8)), e);
        } catch (IOException e) {
            throw new AssertionError("read failed", e);
        }
    }

    /** Nothing arrives for {@code quiet}. */
    void assertSilentFor(Duration quiet) {
        try {
            socket.setSoTimeout((int) quiet.toMillis());
            int b = in.read();
            fail("expected silence, got " + (b < 0 ? "EOF" : "byte " + Http.show(String.valueOf((char) b))));
        } catch (SocketTimeoutException expected) {
            // silent
        } catch (IOException e) {
            throw new AssertionError(e);
        } finally {
            try {
                socket.setSoTimeout((int) Http.TIMEOUT.toMillis());
            } catch (IOException ignored) {
                // closed
            }
        }
    }

    /** {@code l\n<key>\n<arg>\n} → {@code ok <T> <lease>}; returns T. */
    String lock(String key, String arg, long lease) {
        String line = call("l\n" + key + "\n" + arg + "\n");
        assertThat(line).as("reply to l " + key + " " + arg).matches("ok [0-9a-f]{32} " + lease);
        return line.split(" ")[1];
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException ignored) {
            // best effort
        }
    }
}
