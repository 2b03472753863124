package dev.switchboard.core.lock;

/** The fence state file could not be written, so no further fence can be promised to be new. */
public final class FencePersistenceException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public FencePersistenceException(String message, Throwable cause) {
        super(message, cause);
    }
}
