package dev.switchboard.bench.rpc;

import dev.switchboard.bench.ServerAddress;
import dev.switchboard.bench.chaos.Sockets;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * How the request/reply benchmark speaks to each server: a caller sends one request and blocks
 * for its reply; a responder serves the name in a queue group and answers each request with its
 * payload. Both ends are blocking sockets with hand-written frames, so that what is measured is
 * the server, not a client library.
 */
enum RpcWire {
    /** Switchboard's native JSON lines: {@code rpc.serve}, {@code rpc.request} events, {@code rpc.respond}, {@code rpc.call}. */
    json {
        @Override
        Caller caller(ServerAddress server, int index, String name) throws IOException {
            Line line = new Line(server);
            line.send(HELLO);
            line.expect("welcome");
            return new Caller() {
                private long id = 2;

                @Override
                public String call(String payload) throws IOException {
                    long myId = id++;
                    line.send("{\"op\":\"rpc.call\",\"id\":" + myId + ",\"name\":\"" + name + "\",\"timeout_ms\":30000,\"payload\":\""
                            + payload + "\"}\n");
                    String reply = line.expect("reply");
                    return field(reply, "payload");
                }

                @Override
                public void close() {
                    line.close();
                }
            };
        }

        @Override
        Responder responder(ServerAddress server, String name, String group) throws IOException {
            Line line = new Line(server);
            line.send(HELLO);
            line.expect("welcome");
            line.send("{\"op\":\"rpc.serve\",\"id\":2,\"pattern\":\"" + name + "\",\"group\":\"" + group + "\"}\n");
            line.expect("reply");
            return new Responder() {
                private long id = 3;

                @Override
                public void serveOne() throws IOException {
                    while (true) {
                        String msg = line.receive();
                        if (msg.startsWith("{\"op\":\"rpc.request\"")) {
                            line.send("{\"op\":\"rpc.respond\",\"id\":" + id++ + ",\"rid\":\"" + field(msg, "rid")
                                    + "\",\"payload\":\"" + field(msg, "payload") + "\"}\n");
                            return;
                        }
                        if (msg.startsWith("{\"op\":\"ping\"")) {
                            line.send("{\"op\":\"pong\"}\n");
                        } else if (msg.startsWith("{\"op\":\"error\"")) {
                            throw new IOException("the server answered an error: " + msg);
                        }
                        // replies to rpc.respond: nothing to do
                    }
                }

                @Override
                public void close() {
                    line.close();
                }
            };
        }
    },
    /** nats-server's text protocol: requests to a queue group, replies on the caller's inbox subject. */
    nats {
        @Override
        Caller caller(ServerAddress server, int index, String name) throws IOException {
            Line line = new Line(server);
            String inbox = "_INBOX.bench" + index;
            line.send(NATS_CONNECT + "SUB " + inbox + ".* 1\r\nPING\r\n");
            line.expect("PONG");
            return new Caller() {
                private long id;

                @Override
                public String call(String payload) throws IOException {
                    line.send("PUB " + name + " " + inbox + "." + id++ + " " + payload.length() + "\r\n" + payload + "\r\n");
                    while (true) {
                        String head = line.receive();
                        if (head.startsWith("MSG ")) {
                            return line.receive();
                        }
                        if (head.equals("PING")) {
                            line.send("PONG\r\n");
                        }
                    }
                }

                @Override
                public void close() {
                    line.close();
                }
            };
        }

        @Override
        Responder responder(ServerAddress server, String name, String group) throws IOException {
            Line line = new Line(server);
            line.send(NATS_CONNECT + "SUB " + name + " " + group + " 1\r\nPING\r\n");
            line.expect("PONG");
            return new Responder() {
                @Override
                public void serveOne() throws IOException {
                    while (true) {
                        String head = line.receive();
                        if (head.startsWith("MSG ")) {
                            // MSG <subject> <sid> <reply-to> <bytes>
                            String[] f = head.split(" ");
                            String payload = line.receive();
                            line.send("PUB " + f[3] + " " + payload.length() + "\r\n" + payload + "\r\n");
                            return;
                        }
                        if (head.equals("PING")) {
                            line.send("PONG\r\n");
                        }
                    }
                }

                @Override
                public void close() {
                    line.close();
                }
            };
        }
    };

    private static final String HELLO = "{\"op\":\"hello\",\"id\":1,\"version\":1}\n";
    private static final String NATS_CONNECT = "CONNECT {\"verbose\":false,\"pedantic\":false,\"protocol\":1}\r\n";

    /** One caller's connection: a request, then the wait for its reply. */
    interface Caller extends AutoCloseable {
        String call(String payload) throws IOException;

        @Override
        void close();
    }

    /** One member of the serving queue group. */
    interface Responder extends AutoCloseable {
        /** Reads until the next request and answers it. */
        void serveOne() throws IOException;

        @Override
        void close();
    }

    abstract Caller caller(ServerAddress server, int index, String name) throws IOException;

    abstract Responder responder(ServerAddress server, String name, String group) throws IOException;

    /** The value of a string field in a flat JSON message written by the server (no escapes in bench payloads). */
    static String field(String json, String name) throws IOException {
        String key = "\"" + name + "\":\"";
        int at = json.indexOf(key);
        if (at < 0) {
            throw new IOException("no " + name + " in " + json);
        }
        int from = at + key.length();
        return json.substring(from, json.indexOf('"', from));
    }

    /** A blocking line connection. */
    static final class Line {
        private final Socket socket;
        private final InputStream in;
        private final OutputStream out;

        Line(ServerAddress server) throws IOException {
            socket = Sockets.open(server.host(), server.port());
            in = new BufferedInputStream(socket.getInputStream(), 1 << 16);
            out = socket.getOutputStream();
        }

        void send(String text) throws IOException {
            out.write(text.getBytes(StandardCharsets.UTF_8));
            out.flush();
        }

        String receive() throws IOException {
            return Sockets.readLine(in);
        }

        /** Reads until a message of this op (JSON) or this line (NATS); an error message fails. */
        String expect(String what) throws IOException {
            while (true) {
                String msg = receive();
                if (msg.equals(what) || msg.startsWith("{\"op\":\"" + what + "\"")) {
                    return msg;
                }
                if (msg.startsWith("{\"op\":\"error\"") || msg.startsWith("-ERR")) {
                    throw new IOException("expected " + what + " but the server answered: " + msg);
                }
            }
        }

        void close() {
            Sockets.closeQuietly(socket);
        }
    }
}
