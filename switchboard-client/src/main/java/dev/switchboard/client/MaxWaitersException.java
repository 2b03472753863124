package dev.switchboard.client;

import dev.switchboard.protocol.ErrorCode;

/** The key already has the server's maximum number of waiters. */
public class MaxWaitersException extends SwitchboardException {
    private static final long serialVersionUID = 1L;

    public MaxWaitersException(String message) {
        super(ErrorCode.MAX_WAITERS.wire(), message);
    }
}
