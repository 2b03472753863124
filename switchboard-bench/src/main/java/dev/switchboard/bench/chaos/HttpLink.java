package dev.switchboard.bench.chaos;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * A keep-alive HTTP/1.1 connection on a raw socket, enough for the native HTTP API's JSON
 * requests (Content-Length or chunked answers). Raw so that a cut is a reset mid-request.
 */
final class HttpLink {
    /** Status and body of one answer. */
    record Answer(int status, String body) {
    }

    private final String host;
    private final int port;
    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;

    HttpLink(String host, int port) throws IOException {
        this.host = host;
        this.port = port;
        this.socket = Sockets.open(host, port);
        this.in = new BufferedInputStream(socket.getInputStream());
        this.out = socket.getOutputStream();
    }

    Answer exchange(String method, String path, String sessionKey, String body) throws IOException {
        byte[] content = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
        StringBuilder head = new StringBuilder(method).append(' ').append(path).append(" HTTP/1.1\r\n")
                .append("Host: ").append(host).append(':').append(port).append("\r\n");
        if (sessionKey != null) {
            head.append("X-Switchboard-Key: ").append(sessionKey).append("\r\n");
        }
        if (body != null) {
            head.append("Content-Type: application/json\r\n");
        }
        head.append("Content-Length: ").append(content.length).append("\r\n\r\n");
        ByteArrayOutputStream request = new ByteArrayOutputStream(head.length() + content.length);
        request.write(head.toString().getBytes(StandardCharsets.US_ASCII));
        request.write(content);
        out.write(request.toByteArray());
        out.flush();
        return readAnswer(method.equals("HEAD"));
    }

    private Answer readAnswer(boolean noBody) throws IOException {
        String statusLine = Sockets.readLine(in);
        String[] parts = statusLine.split(" ", 3);
        if (parts.length < 2 || !parts[0].startsWith("HTTP/1.")) {
            throw new IOException("not an HTTP answer: " + statusLine);
        }
        int status = Integer.parseInt(parts[1]);
        long length = -1;
        boolean chunked = false;
        String line;
        while (!(line = Sockets.readLine(in)).isEmpty()) {
            int colon = line.indexOf(':');
            if (colon < 0) {
                continue;
            }
            String name = line.substring(0, colon).trim().toLowerCase(Locale.ROOT);
            String value = line.substring(colon + 1).trim();
            if (name.equals("content-length")) {
                length = Long.parseLong(value);
            } else if (name.equals("transfer-encoding") && value.toLowerCase(Locale.ROOT).contains("chunked")) {
                chunked = true;
            }
        }
        if (noBody || status == 204 || status == 304 || (status >= 100 && status < 200)) {
            return new Answer(status, "");
        }
        if (chunked) {
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            while (true) {
                String size = Sockets.readLine(in);
                int semi = size.indexOf(';');
                int n = Integer.parseInt((semi < 0 ? size : size.substring(0, semi)).trim(), 16);
                if (n == 0) {
                    while (!Sockets.readLine(in).isEmpty()) {
                        // Trailers: none are used.
                    }
                    return new Answer(status, body.toString(StandardCharsets.UTF_8));
                }
                body.write(Sockets.readExactly(in, n));
                Sockets.readLine(in);
            }
        }
        if (length < 0) {
            throw new IOException("HTTP answer without a length (status " + status + ")");
        }
        return new Answer(status, new String(Sockets.readExactly(in, (int) length), StandardCharsets.UTF_8));
    }

    void cut() {
        Sockets.reset(socket);
    }

    void close() {
        Sockets.closeQuietly(socket);
    }
}
