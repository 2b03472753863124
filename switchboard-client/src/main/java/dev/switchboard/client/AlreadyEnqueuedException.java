package dev.switchboard.client;

/** {@code enqueue} was called twice on one key before {@code wait} or {@code release}. */
public class AlreadyEnqueuedException extends SwitchboardException {
    private static final long serialVersionUID = 1L;

    public AlreadyEnqueuedException(String message) {
        super("already_enqueued", message);
    }
}
