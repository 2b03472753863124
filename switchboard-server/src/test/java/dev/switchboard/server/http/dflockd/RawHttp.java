package dev.switchboard.server.http.dflockd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * HTTP/1.1 over a plain socket, for what {@link java.net.http.HttpClient} hides: the source IP
 * (any 127.x.y.z), exact header bytes, keep-alive connections opened before a drain, closing a
 * connection mid-request, chunked streams read piece by piece. Every read is bounded.
 */
final class RawHttp implements AutoCloseable {
    static final Duration TIMEOUT = Http.TIMEOUT;

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;

    RawHttp(int port) {
        this(null, port);
    }

    /** @param localIp source address (e.g. 127.0.0.2 for "another client IP"), or null */
    RawHttp(String localIp, int port) {
        try {
            socket = new Socket();
            if (localIp != null) socket.bind(new InetSocketAddress(localIp, 0));
            socket.setTcpNoDelay(true);
            socket.setSoTimeout((int) TIMEOUT.toMillis());
            socket.connect(new InetSocketAddress("127.0.0.1", port), (int) TIMEOUT.toMillis());
            in = new BufferedInputStream(socket.getInputStream());
            out = socket.getOutputStream();
        } catch (IOException e) {
            throw new AssertionError("cannot connect to 127.0.0.1:" + port + (localIp == null ? "" : " from " + localIp), e);
        }
    }

    /** A parsed response: status, headers (names lower-cased, in order), raw head and body. */
    record Response(int status, String head, Map<String, List<String>> headers, byte[] bodyBytes) {
        String header(String name) {
            List<String> v = headers.get(name.toLowerCase(Locale.ROOT));
            return v == null ? null : v.get(0);
        }

        String body() {
            return new String(bodyBytes, StandardCharsets.UTF_8);
        }

        @Override
        public String toString() {
            return Http.show(head) + " " + Http.show(body());
        }
    }

    static String request(String method, String path, String body, String... headers) {
        StringBuilder b = new StringBuilder(method).append(' ').append(path).append(" HTTP/1.1\r\nHost: 127.0.0.1\r\n");
        for (int i = 0; i < headers.length; i += 2) b.append(headers[i]).append(": ").append(headers[i + 1]).append("\r\n");
        if (body != null) b.append("Content-Length: ").append(body.getBytes(StandardCharsets.UTF_8).length).append("\r\n");
        b.append("\r\n");
        if (body != null) b.append(body);
        return b.toString();
    }

    RawHttp write(String s) {
        return write(s.getBytes(StandardCharsets.UTF_8));
    }

    RawHttp write(byte[] bytes) {
        try {
            out.write(bytes);
            out.flush();
        } catch (IOException e) {
            throw new AssertionError("write failed: " + e, e);
        }
        return this;
    }

    /** Sends one request on this (keep-alive) connection and reads its response. */
    Response call(String method, String path, String body, String... headers) {
        write(request(method, path, body, headers));
        return readResponse();
    }

    /** Reads a status line and headers, then a Content-Length body (no body for 204/304; chunked bodies are left to {@link #readChunk}). */
    Response readResponse() {
        String head = readHead();
        String[] lines = head.split("\r\n");
        assertThat(lines[0]).as("status line").matches("HTTP/1\\.1 [0-9]{3} .*");
        int status = Integer.parseInt(lines[0].substring(9, 12));
        Map<String, List<String>> headers = new LinkedHashMap<>();
        for (int i = 1; i < lines.length; i++) {
            int c = lines[i].indexOf(':');
            headers.computeIfAbsent(lines[i].substring(0, c).trim().toLowerCase(Locale.ROOT), k -> new ArrayList<>())
                    .add(lines[i].substring(c + 1).trim());
        }
        byte[] body = new byte[0];
        List<String> cl = headers.get("content-length");
        if (cl != null) body = readN(Integer.parseInt(cl.get(0)));
        return new Response(status, head, headers, body);
    }

    /** The head up to and including the blank line, without the final CRLFCRLF. */
    String readHead() {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        try {
            while (true) {
                int b = in.read();
                if (b < 0) fail("connection closed while reading a response head; got " + Http.show(buf.toString(StandardCharsets.UTF_8)));
                buf.write(b);
                byte[] a = buf.toByteArray();
                int n = a.length;
                if (n >= 4 && a[n - 4] == '\r' && a[n - 3] == '\n' && a[n - 2] == '\r' && a[n - 1] == '\n') {
                    return new String(a, 0, n - 4, StandardCharsets.ISO_8859_1);
                }
            }
        } catch (SocketTimeoutException e) {
            throw new AssertionError("no response head within " + TIMEOUT + "; got " + Http.show(buf.toString(StandardCharsets.UTF_8)));
        } catch (IOException e) {
            throw new AssertionError("reading a response head failed (" + e + "); got " + Http.show(buf.toString(StandardCharsets.UTF_8)), e);
        }
    }

    byte[] readN(int n) {
        byte[] b = new byte[n];
        int off = 0;
        try {
            while (off < n) {
                int r = in.read(b, off, n - off);
                if (r < 0) fail("connection closed after " + off + " of " + n + " body bytes");
                off += r;
            }
        } catch (IOException e) {
            throw new AssertionError("reading " + n + " body bytes failed after " + off + ": " + e, e);
        }
        return b;
    }

    private String readLine() throws IOException {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) >= 0) {
            if (b == '\n') break;
            if (b != '\r') buf.write(b);
        }
        if (b < 0) throw new IOException("EOF in a chunk header");
        return buf.toString(StandardCharsets.ISO_8859_1);
    }

    /** One chunk of a chunked body, as text; "" for the last chunk. */
    String readChunk() {
        try {
            int size = Integer.parseInt(readLine().trim(), 16);
            String data = new String(readN(size), StandardCharsets.UTF_8);
            readLine();
            return data;
        } catch (SocketTimeoutException e) {
            throw new AssertionError("no chunk within " + TIMEOUT, e);
        } catch (IOException e) {
            throw new AssertionError("reading a chunk failed: " + e, e);
        }
    }

    /** Reads chunks until their text adds up to exactly {@code expected} (failing on a mismatch). */
    void expectChunks(String expected) {
        StringBuilder got = new StringBuilder();
        while (got.length() < expected.length()) {
            got.append(readChunk());
            assertThat(expected).as("stream so far " + Http.show(got.toString())).startsWith(got.toString());
        }
        assertThat(got.toString()).isEqualTo(expected);
    }

    /** The server closes the connection within {@code within} without sending one byte. */
    void assertClosedWithoutResponse(Duration within) {
        try {
            socket.setSoTimeout((int) within.toMillis());
            int b = in.read();
            if (b >= 0) {
                ByteArrayOutputStream buf = new ByteArrayOutputStream();
                buf.write(b);
                socket.setSoTimeout(200);
                try {
                    int c;
                    while (buf.size() < 400 && (c = in.read()) >= 0) buf.write(c);
                } catch (IOException ignored) {
                    // enough
                }
                fail("expected the connection to be closed with no response, got " + Http.show(buf.toString(StandardCharsets.UTF_8)));
            }
        } catch (SocketTimeoutException e) {
            fail("the connection was not closed within " + within.toMillis() + " ms");
        } catch (SocketException e) {
            // reset: closed
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    /** Everything until the server closes the connection (bounded by {@link #TIMEOUT}). */
    String readUntilClosed() {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        byte[] b = new byte[8192];
        try {
            int n;
            while ((n = in.read(b)) >= 0) buf.write(b, 0, n);
        } catch (SocketTimeoutException e) {
            throw new AssertionError("the server did not close the connection within " + TIMEOUT + "; got "
                    + Http.show(buf.toString(StandardCharsets.UTF_8)), e);
        } catch (IOException e) {
            // reset after the bytes read so far
        }
        return buf.toString(StandardCharsets.UTF_8);
    }

    Socket socket() {
        return socket;
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
