package dev.switchboard.client;

import dev.switchboard.protocol.ErrorCode;

/** The token holds nothing: it was released, or its lease ran out and the slot went to someone else. */
public class NotHeldException extends SwitchboardException {
    private static final long serialVersionUID = 1L;

    public NotHeldException(String message) {
        super(ErrorCode.NOT_HELD.wire(), message);
    }
}
