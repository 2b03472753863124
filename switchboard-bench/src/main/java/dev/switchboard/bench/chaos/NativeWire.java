package dev.switchboard.bench.chaos;

import java.io.IOException;
import java.util.List;
import java.util.Random;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * The native JSON protocol over a {@link MessageLink} (lines, frames or WebSocket), one request
 * at a time. Its session outlives the connection: after a cut, {@link #reconnect()} resumes it with
 * its key and last seq over a native transport picked at random, often another one.
 */
final class NativeWire extends CutWire {
    static final JsonMapper JSON = JsonMapper.builder().build();

    /** Opens a connection of one of the native socket transports. */
    interface LinkOpener {
        MessageLink open(Transport transport) throws IOException;
    }

    private static final List<Transport> RESUMABLE_OVER = List.of(Transport.JSON_LINES, Transport.JSON_FRAMES, Transport.WEBSOCKET);

    private final Transport transport;
    private final LinkOpener opener;
    private final Random random;
    private final OpCounts counts;
    private volatile MessageLink link;
    private Transport linkTransport;
    private String session;
    private String resumeKey;
    private long lastSeq;
    private long nextId;

    NativeWire(Transport transport, LinkOpener opener, Random random, OpCounts counts) throws IOException {
        this.transport = transport;
        this.opener = opener;
        this.random = random;
        this.counts = counts;
        open(transport, false);
    }

    /** Opens a link and says hello, resuming the session when asked; true when it was resumed. */
    private boolean open(Transport over, boolean resume) throws IOException {
        MessageLink l = opener.open(over);
        link = l;
        linkTransport = over;
        ObjectNode hello = JSON.createObjectNode().put("op", "hello").put("version", 1).put("client", "switchboard-bench chaos");
        if (resume) {
            hello.putObject("resume").put("session", session).put("key", resumeKey).put("last_seq", lastSeq);
        }
        JsonNode welcome;
        try {
            welcome = call(hello);
        } catch (Refused r) {
            throw new IOException("hello refused: " + r.getMessage());
        }
        boolean resumed = welcome.path("resumed").asBoolean(false);
        session = text(welcome.path("session"));
        if (welcome.hasNonNull("resume_key")) {
            resumeKey = text(welcome.path("resume_key"));
        }
        if (!resumed) {
            lastSeq = 0;
        }
        return resumed;
    }

    /** A string field, or null when it is absent or not a string. */
    static String text(JsonNode node) {
        return node != null && node.isString() ? node.stringValue() : null;
    }

    @Override
    public Transport transport() {
        return transport;
    }

    private ObjectNode request(String op, Target t) {
        ObjectNode r = JSON.createObjectNode().put("op", (t.isSemaphore() ? "sem." : "lock.") + op).put("key", t.key());
        if (t.isSemaphore()) {
            r.put("limit", t.limit());
        }
        return r;
    }

    @Override
    public Granted acquire(Target t, long timeoutMs, long leaseMs) throws IOException, Refused {
        return grantOrNull(call(request("acquire", t).put("timeout_ms", timeoutMs).put("lease_ms", leaseMs)));
    }

    @Override
    public Granted enqueue(Target t, long leaseMs) throws IOException, Refused {
        return grantOrNull(call(request("enqueue", t).put("lease_ms", leaseMs)));
    }

    @Override
    public Granted await(Target t, long timeoutMs) throws IOException, Refused {
        return grantOrNull(call(request("wait", t).put("timeout_ms", timeoutMs)));
    }

    static Granted grantOrNull(JsonNode result) throws IOException {
        String status = text(result.path("status"));
        if ("acquired".equals(status)) {
            return new Granted(text(result.path("token")), result.path("lease_ms").asLong());
        }
        if ("timeout".equals(status) || "queued".equals(status)) {
            return null;
        }
        throw new IOException("unexpected result " + result);
    }

    @Override
    public long renew(Target t, String token, long leaseMs) throws IOException, Refused {
        return call(request("renew", t).put("token", token).put("lease_ms", leaseMs)).path("lease_ms").asLong();
    }

    @Override
    public void release(Target t, String token) throws IOException, Refused {
        call(request("release", t).put("token", token));
    }

    @Override
    public void listen(String pattern) throws IOException, Refused {
        call(JSON.createObjectNode().put("op", "signal.listen").put("pattern", pattern));
    }

    @Override
    public void unlisten(String pattern) throws IOException, Refused {
        call(JSON.createObjectNode().put("op", "signal.unlisten").put("pattern", pattern));
    }

    @Override
    public int publish(String channel, String payload) throws IOException, Refused {
        return call(JSON.createObjectNode().put("op", "signal.publish").put("channel", channel).put("payload", payload))
                .path("delivered").asInt();
    }

    /** Sends one request and reads until its answer, taking note of events (their seq) on the way. */
    private JsonNode call(ObjectNode request) throws IOException, Refused {
        long id = ++nextId;
        request.put("id", id);
        MessageLink l = link;
        l.send(request.toString());
        while (true) {
            JsonNode m = JSON.readTree(l.receive());
            String op = text(m.path("op"));
            JsonNode answerId = m.get("id");
            if (answerId != null && answerId.asLong() == id) {
                if ("error".equals(op)) {
                    JsonNode e = m.path("error");
                    throw new Refused(text(e.path("code")), text(e.path("message")));
                }
                return "reply".equals(op) ? m.path("result") : m;
            }
            if (m.has("seq")) {
                lastSeq = Math.max(lastSeq, m.get("seq").asLong());
            }
            if ("ping".equals(op)) {
                l.send("{\"op\":\"pong\"}");
            } else if ("error".equals(op)) {
                // An error event (no id) ends the connection: slow_consumer, heartbeat_timeout ...
                throw new IOException("server closed the connection with " + m);
            }
        }
    }

    @Override
    void resetConnection() {
        link.cut();
    }

    @Override
    public boolean reconnect() throws IOException {
        link.close();
        Transport before = linkTransport;
        boolean resumed = open(RESUMABLE_OVER.get(random.nextInt(RESUMABLE_OVER.size())), true);
        if (resumed && linkTransport != before) {
            counts.count(transport, Op.RESUMED_ON_OTHER_TRANSPORT);
        }
        return resumed;
    }

    @Override
    public boolean sessionOutlivesConnection() {
        return true;
    }

    @Override
    public void close(boolean endSession) {
        if (endSession) {
            try {
                call(JSON.createObjectNode().put("op", "session.close"));
            } catch (IOException | Refused e) {
                // The server closes the connection right after the reply; an early EOF is the same outcome.
            }
        }
        link.close();
    }
}
