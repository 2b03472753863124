package dev.switchboard.client;

/**
 * No answer arrived within the client-side request timeout. This is about the connection or the
 * server being slow, not the lock wait: a lock wait that runs out is a normal outcome
 * ({@link java.util.Optional#empty()}), and blocking operations get their own wait added to
 * the request timeout.
 */
public class RequestTimeoutException extends SwitchboardException {
    private static final long serialVersionUID = 1L;

    public RequestTimeoutException(String message) {
        super("request_timeout", message);
    }
}
