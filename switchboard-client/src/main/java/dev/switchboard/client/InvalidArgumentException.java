package dev.switchboard.client;

import dev.switchboard.protocol.ErrorCode;

/** A request field was missing, of the wrong type or out of range; the message names it. */
public class InvalidArgumentException extends SwitchboardException {
    private static final long serialVersionUID = 1L;

    public InvalidArgumentException(String message) {
        super(ErrorCode.INVALID_ARGUMENT.wire(), message);
    }
}
