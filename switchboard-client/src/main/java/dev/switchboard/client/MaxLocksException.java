package dev.switchboard.client;

import dev.switchboard.protocol.ErrorCode;

/** The server holds its maximum number of keys (idle keys count until they are collected). */
public class MaxLocksException extends SwitchboardException {
    private static final long serialVersionUID = 1L;

    public MaxLocksException(String message) {
        super(ErrorCode.MAX_LOCKS.wire(), message);
    }
}
