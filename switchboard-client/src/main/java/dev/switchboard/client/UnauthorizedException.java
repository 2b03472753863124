package dev.switchboard.client;

import dev.switchboard.protocol.ErrorCode;

/** The auth token was wrong or missing; the server closes the connection. */
public class UnauthorizedException extends SwitchboardException {
    private static final long serialVersionUID = 1L;

    public UnauthorizedException(String message) {
        super(ErrorCode.UNAUTHORIZED.wire(), message);
    }
}
