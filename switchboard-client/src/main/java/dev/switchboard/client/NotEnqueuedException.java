package dev.switchboard.client;

import dev.switchboard.protocol.ErrorCode;

/** {@code wait} without a pending {@code enqueue}, or after a {@code wait} that timed out. */
public class NotEnqueuedException extends SwitchboardException {
    private static final long serialVersionUID = 1L;

    public NotEnqueuedException(String message) {
        super(ErrorCode.NOT_ENQUEUED.wire(), message);
    }
}
