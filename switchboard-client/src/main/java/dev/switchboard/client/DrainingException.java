package dev.switchboard.client;

import dev.switchboard.protocol.ErrorCode;

/** The server is shutting down and accepts no more requests on this connection. */
public class DrainingException extends SwitchboardException {
    private static final long serialVersionUID = 1L;

    public DrainingException(String message) {
        super(ErrorCode.DRAINING.wire(), message);
    }
}
