package dev.switchboard.bench.fanout;

import java.nio.charset.StandardCharsets;

/**
 * How each server under test is spoken to: what a subscriber sends to listen on the channel and
 * which line says it is listening, and how the publisher greets the server and frames one publish.
 * Every protocol carries the payload as it is, so the receiving side finds it the same way in all of
 * them (see {@link BenchPayload}).
 */
public enum FanoutProtocol {
    /** Switchboard's dflockd line protocol: {@code listen}, {@code signal}, pushed {@code sig} lines. */
    dflockd(false) {
        @Override
        String subscribe(String channel) {
            return "listen\n" + channel + "\n\n";
        }

        @Override
        boolean isSubscribed(String line) {
            return line.equals("ok");
        }

        @Override
        String publish(String channel, long seq, String payload) {
            return "signal\n" + channel + "\n" + payload + "\n";
        }
    },
    /** Switchboard's native JSON lines over TCP. */
    json(false) {
        @Override
        String subscribe(String channel) {
            return HELLO + "{\"op\":\"signal.listen\",\"id\":2,\"pattern\":\"" + channel + "\"}\n";
        }

        @Override
        boolean isSubscribed(String line) {
            return line.startsWith("{\"op\":\"reply\",\"id\":2");
        }

        @Override
        String publisherGreeting() {
            return HELLO;
        }

        @Override
        String publish(String channel, long seq, String payload) {
            return "{\"op\":\"signal.publish\",\"id\":" + (seq + 10) + ",\"channel\":\"" + channel
                    + "\",\"payload\":\"" + payload + "\"}\n";
        }
    },
    /** Switchboard's topics over native JSON lines: {@code topic.subscribe}, {@code topic.publish}, pushed {@code message} events. */
    topic(false) {
        @Override
        String subscribe(String channel) {
            return HELLO + "{\"op\":\"topic.subscribe\",\"id\":2,\"pattern\":\"" + channel + "\"}\n";
        }

        @Override
        boolean isSubscribed(String line) {
            return json.isSubscribed(line);
        }

        @Override
        String publisherGreeting() {
            return HELLO;
        }

        @Override
        String publish(String channel, long seq, String payload) {
            return "{\"op\":\"topic.publish\",\"id\":" + (seq + 10) + ",\"topic\":\"" + channel
                    + "\",\"payload\":\"" + payload + "\"}\n";
        }
    },
    /** Switchboard's native JSON in WebSocket text frames (subscribers); the publisher uses JSON lines. */
    ws(true) {
        @Override
        String subscribe(String channel) {
            return json.subscribe(channel);
        }

        @Override
        boolean isSubscribed(String line) {
            return json.isSubscribed(line);
        }

        @Override
        String publisherGreeting() {
            return json.publisherGreeting();
        }

        @Override
        String publish(String channel, long seq, String payload) {
            return json.publish(channel, seq, payload);
        }
    },
    /** nats-server's text protocol: {@code SUB}, {@code PUB}, pushed {@code MSG}. */
    nats(false) {
        @Override
        String subscribe(String channel) {
            // The PONG answers the PING only after the SUB before it is in place.
            return NATS_CONNECT + "SUB " + channel + " 1\r\nPING\r\n";
        }

        @Override
        boolean isSubscribed(String line) {
            return line.equals("PONG");
        }

        @Override
        String publisherGreeting() {
            return NATS_CONNECT;
        }

        @Override
        String publish(String channel, long seq, String payload) {
            return "PUB " + channel + " " + payload.getBytes(StandardCharsets.UTF_8).length + "\r\n" + payload + "\r\n";
        }
    },
    /** Redis pub/sub in RESP: {@code SUBSCRIBE}, {@code PUBLISH}. */
    redis(false) {
        @Override
        String subscribe(String channel) {
            return resp("SUBSCRIBE", channel);
        }

        @Override
        boolean isSubscribed(String line) {
            return line.equals(":1"); // the count of channels this connection listens on
        }

        @Override
        String publish(String channel, long seq, String payload) {
            return resp("PUBLISH", channel, payload);
        }
    };

    private static final String HELLO = "{\"op\":\"hello\",\"id\":1,\"version\":1}\n";
    private static final String NATS_CONNECT = "CONNECT {\"verbose\":false,\"pedantic\":false,\"protocol\":1}\r\n";

    private final boolean webSocket;

    FanoutProtocol(boolean webSocket) {
        this.webSocket = webSocket;
    }

    /** True when subscribers connect over WebSocket (the text inside each frame is then read like a line). */
    boolean webSocket() {
        return webSocket;
    }

    /** What a subscriber sends once connected to listen on {@code channel}. */
    abstract String subscribe(String channel);

    /** True for the line (or WebSocket frame) that tells a subscriber it is listening. */
    abstract boolean isSubscribed(String line);

    /** What the publisher sends first (nothing by default). */
    String publisherGreeting() {
        return "";
    }

    /** One publish of {@code payload} on {@code channel}. */
    abstract String publish(String channel, long seq, String payload);

    private static String resp(String... args) {
        StringBuilder sb = new StringBuilder().append('*').append(args.length).append("\r\n");
        for (String a : args) {
            sb.append('$').append(a.getBytes(StandardCharsets.UTF_8).length).append("\r\n").append(a).append("\r\n");
        }
        return sb.toString();
    }
}
