package dev.switchboard.bench.chaos;

import java.io.IOException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The native HTTP API: a session made by {@code POST /api/v1/sessions}, one {@code POST .../ops/{op}}
 * per operation, events read (and acknowledged) by long-poll. The session belongs to no connection:
 * a cut only cancels the request in flight, and {@link #reconnect()} carries on with the same session.
 */
final class HttpWire extends CutWire {
    private final String host;
    private final int port;
    private volatile HttpLink link;
    private String session;
    private String key;
    private long lastSeq;
    /** The server ended the session (its idle timeout ran out): the next {@link #reconnect()} makes a new one. */
    private boolean sessionLost;

    HttpWire(String host, int port) throws IOException {
        this.host = host;
        this.port = port;
        link = new HttpLink(host, port);
        newSession();
    }

    private void newSession() throws IOException {
        HttpLink.Answer a = link.exchange("POST", "/api/v1/sessions", null, null);
        if (a.status() != 201) {
            throw new IOException("POST /api/v1/sessions answered " + a.status() + " " + a.body());
        }
        JsonNode created = NativeWire.JSON.readTree(a.body());
        session = NativeWire.text(created.path("session"));
        key = NativeWire.text(created.path("resume_key"));
        lastSeq = 0;
    }

    @Override
    public Transport transport() {
        return Transport.HTTP;
    }

    private JsonNode op(String op, ObjectNode body) throws IOException, Refused {
        HttpLink.Answer a = link.exchange("POST", "/api/v1/sessions/" + session + "/ops/" + op, key, body.toString());
        JsonNode answer = a.body().isEmpty() ? NativeWire.JSON.createObjectNode() : NativeWire.JSON.readTree(a.body());
        if (a.status() == 200) {
            return answer;
        }
        String code = NativeWire.text(answer.path("code"));
        if ("session_not_found".equals(code)) {
            sessionLost = true;
            throw new IOException("the server ended the HTTP session: " + a.body());
        }
        throw new Refused(code == null ? "http_" + a.status() : code, a.status() + " " + a.body());
    }

    private static ObjectNode fields(Target t) {
        ObjectNode r = NativeWire.JSON.createObjectNode().put("key", t.key());
        if (t.isSemaphore()) {
            r.put("limit", t.limit());
        }
        return r;
    }

    private static String name(Target t, String op) {
        return (t.isSemaphore() ? "sem." : "lock.") + op;
    }

    @Override
    public Granted acquire(Target t, long timeoutMs, long leaseMs) throws IOException, Refused {
        return NativeWire.grantOrNull(op(name(t, "acquire"), fields(t).put("timeout_ms", timeoutMs).put("lease_ms", leaseMs)));
    }

    @Override
    public Granted enqueue(Target t, long leaseMs) throws IOException, Refused {
        return NativeWire.grantOrNull(op(name(t, "enqueue"), fields(t).put("lease_ms", leaseMs)));
    }

    @Override
    public Granted await(Target t, long timeoutMs) throws IOException, Refused {
        return NativeWire.grantOrNull(op(name(t, "wait"), fields(t).put("timeout_ms", timeoutMs)));
    }

    @Override
    public long renew(Target t, String token, long leaseMs) throws IOException, Refused {
        return op(name(t, "renew"), fields(t).put("token", token).put("lease_ms", leaseMs)).path("lease_ms").asLong();
    }

    @Override
    public void release(Target t, String token) throws IOException, Refused {
        op(name(t, "release"), fields(t).put("token", token));
    }

    @Override
    public void listen(String pattern) throws IOException, Refused {
        op("signal.listen", NativeWire.JSON.createObjectNode().put("pattern", pattern));
    }

    @Override
    public void unlisten(String pattern) throws IOException, Refused {
        op("signal.unlisten", NativeWire.JSON.createObjectNode().put("pattern", pattern));
    }

    @Override
    public int publish(String channel, String payload) throws IOException, Refused {
        return op("signal.publish", NativeWire.JSON.createObjectNode().put("channel", channel).put("payload", payload))
                .path("delivered").asInt();
    }

    /** One long-poll that does not wait: acknowledges what was read before and reads what is new. */
    @Override
    public void drainEvents() throws IOException, Refused {
        HttpLink.Answer a = link.exchange("GET", "/api/v1/sessions/" + session + "/poll?after=" + lastSeq + "&timeout_ms=0", key, null);
        if (a.status() == 200) {
            lastSeq = Math.max(lastSeq, NativeWire.JSON.readTree(a.body()).path("last_seq").asLong());
        } else if (a.status() != 204) {
            throw new Refused("http_" + a.status(), a.body());
        }
    }

    @Override
    void resetConnection() {
        link.cut();
    }

    @Override
    public boolean reconnect() throws IOException {
        link.close();
        link = new HttpLink(host, port);
        if (sessionLost) {
            sessionLost = false;
            newSession();
            return false;
        }
        return true;
    }

    @Override
    public boolean sessionOutlivesConnection() {
        return true;
    }

    @Override
    public void close(boolean endSession) {
        if (endSession) {
            try {
                link.exchange("DELETE", "/api/v1/sessions/" + session, key, null);
            } catch (IOException e) {
                // Left to the idle timeout, which ends it all the same.
            }
        }
        link.close();
    }
}
