package dev.switchboard.server.transport;

import java.io.ByteArrayOutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/** One request written over a plain socket, and every byte answered until the server closes (5 s at most per read). */
final class RawExchange {
    private RawExchange() {
    }

    static String exchange(int port, String request) throws Exception {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(5000);
            s.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            try {
                s.getInputStream().transferTo(out);
            } catch (java.net.SocketException reset) {
                // the server may reset after answering; what it answered is what counts
            }
            return out.toString(StandardCharsets.US_ASCII);
        }
    }
}
