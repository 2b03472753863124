package dev.switchboard.server.attack;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/** Plain loopback sockets for attack tests: connect, write text, read a line. */
public final class Wire {
    private Wire() {
    }

    /** A loopback connection whose reads give up after {@code readTimeout}. */
    public static Socket connect(int port, Duration readTimeout) throws IOException {
        Socket s = new Socket("127.0.0.1", port);
        s.setSoTimeout((int) readTimeout.toMillis());
        return s;
    }

    public static void send(Socket s, String text) throws IOException {
        send(s, text.getBytes(StandardCharsets.UTF_8));
    }

    public static void send(Socket s, byte[] bytes) throws IOException {
        OutputStream out = s.getOutputStream();
        out.write(bytes);
        out.flush();
    }

    /** The next line without its {@code \n}; what was read when the stream ends first. */
    public static String readLine(Socket s) throws IOException {
        InputStream in = s.getInputStream();
        StringBuilder sb = new StringBuilder();
        for (int c; (c = in.read()) >= 0 && c != '\n'; ) sb.append((char) c);
        return sb.toString();
    }

    /** Reads and drops everything until the server ends the stream; false when the read timeout comes first. */
    public static boolean closedByServer(Socket s) throws IOException {
        InputStream in = s.getInputStream();
        byte[] buf = new byte[4096];
        try {
            while (in.read(buf) >= 0) {
                // what the server said before closing is not the point here
            }
            return true;
        } catch (java.net.SocketTimeoutException e) {
            return false;
        } catch (java.net.SocketException e) {
            return true; // reset by the server
        }
    }
}
