package dev.switchboard.protocol.relay;

/** A relay auth token that does not admit the peer; the relay closes without an answer, as the original does. */
public final class RelayTokenException extends Exception {
    private static final long serialVersionUID = 1L;

    /** Why a token was refused. */
    public enum Reason {
        /** Not {@code algo | 32-byte signature | expiry[:peer id]}, or an expiry that is not decimal seconds. */
        MALFORMED,
        /** An algorithm byte other than 0x01 (HMAC-SHA256). */
        UNKNOWN_ALGORITHM,
        /** The signature does not match the payload under the configured secret. */
        BAD_SIGNATURE,
        /** The expiry has passed. */
        EXPIRED,
        /** The expiry lies further ahead than the configured maximum lifetime. */
        EXPIRY_TOO_FAR,
        /** The token names a peer id other than the one the Auth message claims. */
        WRONG_PEER,
        /** The token names no peer id while the validator requires one. */
        UNBOUND
    }

    private final Reason reason;

    public RelayTokenException(Reason reason, String message) {
        super(message, null, false, false);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
