package dev.switchboard.client;

/** A second {@code wait} on a key while one is still pending on this session. */
public class AlreadyWaitingException extends SwitchboardException {
    private static final long serialVersionUID = 1L;

    public AlreadyWaitingException(String message) {
        super("already_waiting", message);
    }
}
