package dev.switchboard.client;

import dev.switchboard.protocol.ErrorCode;

/** {@code enqueue} was called twice on one key before {@code wait} or {@code release}. */
public class AlreadyEnqueuedException extends SwitchboardException {
    private static final long serialVersionUID = 1L;

    public AlreadyEnqueuedException(String message) {
        super(ErrorCode.ALREADY_ENQUEUED.wire(), message);
    }
}
