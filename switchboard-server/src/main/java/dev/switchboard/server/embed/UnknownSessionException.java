package dev.switchboard.server.embed;

/** No open session has this id on this node (it never existed, or it ended). */
public final class UnknownSessionException extends RuntimeException {
    private final String sessionId;

    public UnknownSessionException(String sessionId) {
        super("no open session " + sessionId + " on this node");
        this.sessionId = sessionId;
    }

    public String sessionId() {
        return sessionId;
    }
}
