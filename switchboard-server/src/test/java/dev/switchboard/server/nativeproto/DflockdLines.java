package dev.switchboard.server.nativeproto;

import java.io.BufferedReader;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;

/**
 * A dflockd line-protocol client on the main port: the other party of the session tests (a lock
 * holder, a publisher) or the client under test. Pushed {@code sig} lines are kept apart from the
 * answers, as a dflockd client demultiplexes them. Reads wait at most 5 s.
 */
final class DflockdLines implements java.io.Closeable {
    private final Socket socket;
    private final BufferedReader in;
    private final ArrayDeque<String> pushes = new ArrayDeque<>();

    DflockdLines(int port) throws IOException {
        socket = new Socket("127.0.0.1", port);
        socket.setSoTimeout(5000);
        in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
    }

    /** Sends a request (its lines, each ended by {@code \n}) without waiting for the answer. */
    void send(String request) throws IOException {
        socket.getOutputStream().write(request.getBytes(StandardCharsets.UTF_8));
        socket.getOutputStream().flush();
    }

    /** The next answer line ({@code sig} pushes read on the way are kept for {@link #nextPush}). */
    String answer() throws IOException {
        while (true) {
            String line = line();
            if (!line.startsWith("sig ")) return line;
            pushes.add(line);
        }
    }

    String call(String request) throws IOException {
        send(request);
        return answer();
    }

    /** The next pushed {@code sig <channel> <payload>} line. */
    String nextPush() throws IOException {
        String kept = pushes.poll();
        return kept != null ? kept : line();
    }

    private String line() throws IOException {
        String line = in.readLine();
        if (line == null) throw new EOFException("the server closed the connection");
        return line;
    }

    /** Publishes one signal over a connection of its own; returns the answer ({@code ok <delivered>}). */
    static String signal(int port, String channel, String payload) throws IOException {
        try (DflockdLines c = new DflockdLines(port)) {
            return c.call("signal\n" + channel + "\n" + payload + "\n");
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
