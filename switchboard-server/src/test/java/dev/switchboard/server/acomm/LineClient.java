package dev.switchboard.server.acomm;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import tools.jackson.databind.JsonNode;

/** A native-protocol client in JSON lines over TCP, with its session opened. */
final class LineClient implements AutoCloseable {
    private final Socket socket;
    private final OutputStream out;
    private final BufferedReader in;
    /** Events read while waiting for an answer, for the next {@link #read}. */
    private final java.util.ArrayDeque<JsonNode> events = new java.util.ArrayDeque<>();

    LineClient(int port) throws IOException {
        socket = new Socket("127.0.0.1", port);
        socket.setSoTimeout(5000);
        out = socket.getOutputStream();
        in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
        send("{\"op\":\"hello\",\"id\":0,\"version\":1}");
        if (!"welcome".equals(read().path("op").asString())) throw new IOException("no welcome");
    }

    void send(String json) throws IOException {
        out.write((json + "\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    JsonNode read() throws IOException {
        if (!events.isEmpty()) return events.poll();
        return readWire();
    }

    private JsonNode readWire() throws IOException {
        String line = in.readLine();
        if (line == null) throw new IOException("closed");
        return AcommPeer.JSON.readTree(line);
    }

    /** Sends a request and reads until its answer; events read meanwhile wait for {@link #read}. */
    JsonNode request(String json, int id) throws IOException {
        send(json);
        while (true) {
            JsonNode m = readWire();
            if (m.path("id").asInt(-1) == id && !m.has("seq")) return m;
            if (m.has("seq")) events.add(m);
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
