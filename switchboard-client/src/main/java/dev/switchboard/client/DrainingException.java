package dev.switchboard.client;

/** The server is shutting down and accepts no more requests on this connection. */
public class DrainingException extends SwitchboardException {
    private static final long serialVersionUID = 1L;

    public DrainingException(String message) {
        super("draining", message);
    }
}
