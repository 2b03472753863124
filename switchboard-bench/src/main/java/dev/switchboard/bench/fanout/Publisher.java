package dev.switchboard.bench.fanout;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;

/**
 * The one publisher: a blocking socket that writes publishes in batches (pipelined, without
 * waiting for answers) while at most {@code window} messages are not yet received by every
 * subscriber, and a thread that reads the answers and checks that each publish reached every
 * subscriber.
 */
final class Publisher implements AutoCloseable {
    private final FanoutProtocol protocol;
    private final Socket socket;
    private final OutputStream out;
    private final BufferedReader in;
    private final int subscribers;
    private final Consumer<String> failure;
    private final Thread reader;
    private volatile boolean closing;

    Publisher(FanoutProtocol protocol, String host, int port, int connectTimeoutMs, int subscribers, Consumer<String> failure)
            throws IOException {
        this.protocol = protocol;
        this.subscribers = subscribers;
        this.failure = failure;
        socket = new Socket();
        socket.setTcpNoDelay(true);
        socket.connect(new InetSocketAddress(host, port), connectTimeoutMs);
        socket.setSoTimeout(connectTimeoutMs);
        out = socket.getOutputStream();
        in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
        String greeting = protocol.publisherGreeting();
        if (!greeting.isEmpty()) {
            write(greeting);
            if (protocol != FanoutProtocol.nats) {
                String welcome = in.readLine();
                if (welcome == null || !welcome.startsWith("{\"op\":\"welcome\"")) throw new IOException("no welcome: " + welcome);
            }
        }
        socket.setSoTimeout(0);
        reader = new Thread(this::readAnswers, "fanout-publisher-answers");
        reader.setDaemon(true);
        reader.start();
    }

    synchronized void write(String text) throws IOException {
        out.write(text.getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    private void readAnswers() {
        try {
            String line;
            while ((line = in.readLine()) != null) {
                long delivered = deliveredIn(line);
                if (delivered >= 0 && delivered != subscribers) {
                    failure.accept("a publish reached " + delivered + " of " + subscribers + " subscribers");
                } else if (line.equals("PING")) {
                    write("PONG\r\n"); // nats-server's keep-alive
                } else if (delivered < 0 && isError(line)) {
                    failure.accept("the publisher got: " + line);
                }
            }
            if (!closing) failure.accept("the server closed the publisher's connection");
        } catch (IOException e) {
            if (!closing) failure.accept("publisher: " + e);
        }
    }

    /** The delivery count an answer reports, or -1 for a line that is not such an answer. */
    private long deliveredIn(String line) {
        String digits = switch (protocol) {
            case dflockd -> line.startsWith("ok ") ? line.substring(3) : null;
            case redis -> line.startsWith(":") ? line.substring(1) : null;
            case json, topic, ws -> {
                int at = line.indexOf("\"delivered\":");
                yield at < 0 ? null : line.substring(at + 12).replaceAll("[^0-9].*", "");
            }
            case nats -> null; // nats-server does not answer a PUB
        };
        if (digits == null) return -1;
        try {
            return Long.parseLong(digits);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private static boolean isError(String line) {
        return line.equals("error") || line.startsWith("error_") || line.startsWith("-") || line.startsWith("{\"op\":\"error\"");
    }

    @Override
    public void close() {
        closing = true;
        try {
            socket.close();
        } catch (IOException ignored) {
            // the run is over either way
        }
    }
}
