package dev.switchboard.client;

/** {@code wait} without a pending {@code enqueue}, or after a {@code wait} that timed out. */
public class NotEnqueuedException extends SwitchboardException {
    private static final long serialVersionUID = 1L;

    public NotEnqueuedException(String message) {
        super("not_enqueued", message);
    }
}
