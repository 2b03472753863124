package dev.switchboard.client;

import dev.switchboard.protocol.ErrorCode;
import dev.switchboard.protocol.Protocol;
import java.time.Duration;
import java.util.OptionalLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * What the client knows about its session on the server, and all it needs to resume it: what the
 * server said in {@code welcome}, the resume key, and the sequence number of the last event
 * handed to the application. Written on the client's event loop only; volatile for readers on
 * other threads.
 */
final class SessionState {
    private static final Logger log = LoggerFactory.getLogger(SessionState.class);

    /** What the server said in {@code welcome}. */
    record Welcome(String sessionId, int protocol, String server, Duration heartbeat, ServerLimits limits) {
    }

    /** The outcome of a handshake: the event to report, and the exception that ended the old session, if it did. */
    record Outcome(ConnectionEvent event, SessionLostException lost) {
    }

    private volatile Welcome welcome;
    private volatile String resumeKey;
    private volatile long lastSeq;

    Welcome welcome() {
        return welcome;
    }

    /** The session id, or null before the first welcome. */
    String sessionId() {
        Welcome w = welcome;
        return w == null ? null : w.sessionId();
    }

    long lastSeq() {
        return lastSeq;
    }

    /** Asks to resume the session in a {@code hello}, when there is one to resume. */
    void putResume(ObjectNode hello, boolean initial) {
        Welcome old = welcome;
        String key = resumeKey;
        if (!initial && old != null && key != null) {
            ObjectNode resume = hello.putObject("resume");
            resume.put("session", old.sessionId());
            resume.put("key", key);
            resume.put("last_seq", lastSeq);
        }
    }

    /**
     * True when the event numbered {@code seq} is new, and counts it as delivered; false for one
     * delivered already (a replay overlapping what the client had).
     */
    boolean advance(long seq) {
        if (seq <= lastSeq) {
            return false;
        }
        lastSeq = seq;
        return true;
    }

    /** Takes in the server's {@code welcome}: a first session, the same one resumed, or a new one after a lost resume. */
    Outcome adopt(JsonNode msg, boolean initial) {
        Welcome w = new Welcome(
                msg.path("session").asString(""),
                (int) msg.path("protocol").asLong(Protocol.VERSION),
                msg.path("server").asString(""),
                Duration.ofMillis(msg.path("heartbeat_ms").asLong(0)),
                Replies.limits(msg.path("limits")));
        JsonNode key = msg.get("resume_key");
        boolean resumed = msg.path("resumed").asBoolean(false);
        ConnectionEvent event;
        SessionLostException lost = null;
        if (initial) {
            event = new ConnectionEvent(ConnectionEvent.Type.CONNECTED, w.sessionId(), null, true, OptionalLong.empty(), null);
        } else if (resumed) {
            boolean recovered = msg.path("recovered").asBoolean(true);
            JsonNode first = msg.get("first_available");
            OptionalLong firstAvailable = first != null && first.isIntegralNumber() ? OptionalLong.of(first.asLong()) : OptionalLong.empty();
            event = new ConnectionEvent(ConnectionEvent.Type.RESUMED, w.sessionId(), null, recovered, firstAvailable, null);
            if (recovered) {
                log.info("reconnected; resumed session {}", w.sessionId());
            } else {
                log.warn("reconnected; resumed session {} but the server dropped events after seq {} (first still available: {})",
                        w.sessionId(), lastSeq, firstAvailable.isPresent() ? firstAvailable.getAsLong() : "?");
            }
        } else {
            JsonNode err = msg.path("resume_error");
            String code = err.path("code").asString(resumeKey == null ? "no_resume_key" : ErrorCode.SESSION_NOT_FOUND.wire());
            String why = err.path("message").asString("");
            String oldId = welcome == null ? "?" : welcome.sessionId();
            lost = new SessionLostException(code, "session " + oldId + " could not be resumed (" + code
                    + (why.isEmpty() ? "" : ": " + why) + "); now in new session " + w.sessionId()
                    + ": its locks and subscriptions are gone");
            log.warn("{}", lost.getMessage());
            event = new ConnectionEvent(ConnectionEvent.Type.SESSION_LOST, w.sessionId(), code, false, OptionalLong.empty(), lost);
            lastSeq = 0; // a new session numbers its events from 1 again
        }
        if (key != null && key.isString()) {
            resumeKey = key.stringValue();
        } else if (!resumed) {
            resumeKey = null; // a new session without a key cannot be resumed
        }
        welcome = w;
        return new Outcome(event, lost);
    }
}
