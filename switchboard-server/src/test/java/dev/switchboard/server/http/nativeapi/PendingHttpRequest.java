package dev.switchboard.server.http.nativeapi;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * An HTTP request written on a raw socket and left waiting for its answer, so that a test can
 * close the connection while the server still works on the request (a client gone mid-request).
 */
public final class PendingHttpRequest {
    private PendingHttpRequest() {
    }

    /**
     * Sends {@code POST path} with a JSON {@code body} and the given headers (name, value, ...)
     * to the server on 127.0.0.1:{@code port}; returns the open socket, answer unread.
     */
    public static Socket post(int port, String path, String body, String... headers) throws IOException {
        Socket s = new Socket();
        s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        StringBuilder head = new StringBuilder("POST ").append(path).append(" HTTP/1.1\r\nHost: 127.0.0.1\r\n");
        for (int i = 0; i < headers.length; i += 2) head.append(headers[i]).append(": ").append(headers[i + 1]).append("\r\n");
        head.append("Content-Type: application/json\r\nContent-Length: ").append(bytes.length).append("\r\n\r\n");
        OutputStream out = s.getOutputStream();
        out.write(head.toString().getBytes(StandardCharsets.US_ASCII));
        out.write(bytes);
        out.flush();
        return s;
    }
}
