package dev.switchboard.client;

/** The lease ran out before the {@code wait} or {@code renew} reached the server. */
public class LeaseExpiredException extends SwitchboardException {
    private static final long serialVersionUID = 1L;

    public LeaseExpiredException(String message) {
        super("lease_expired", message);
    }
}
