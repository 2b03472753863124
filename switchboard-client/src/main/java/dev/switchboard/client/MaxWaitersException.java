package dev.switchboard.client;

/** The key already has the server's maximum number of waiters. */
public class MaxWaitersException extends SwitchboardException {
    private static final long serialVersionUID = 1L;

    public MaxWaitersException(String message) {
        super("max_waiters", message);
    }
}
