package dev.switchboard.client;

import dev.switchboard.protocol.ErrorCode;

/** A second {@code wait} on a key while one is still pending on this session. */
public class AlreadyWaitingException extends SwitchboardException {
    private static final long serialVersionUID = 1L;

    public AlreadyWaitingException(String message) {
        super(ErrorCode.ALREADY_WAITING.wire(), message);
    }
}
