package dev.switchboard.client;

import dev.switchboard.protocol.ErrorCode;

/** The lease ran out before the {@code wait} or {@code renew} reached the server. */
public class LeaseExpiredException extends SwitchboardException {
    private static final long serialVersionUID = 1L;

    public LeaseExpiredException(String message) {
        super(ErrorCode.LEASE_EXPIRED.wire(), message);
    }
}
