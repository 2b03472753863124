package dev.switchboard.client;

import dev.switchboard.protocol.ErrorCode;

/** The semaphore key exists with a different limit; every user of a key must agree on it. */
public class LimitMismatchException extends SwitchboardException {
    private static final long serialVersionUID = 1L;

    public LimitMismatchException(String message) {
        super(ErrorCode.LIMIT_MISMATCH.wire(), message);
    }
}
