package dev.switchboard.client;

/**
 * An error the server answered with, or a client-side failure. Unchecked, because most callers
 * cannot do anything useful locally and would only wrap it; those that can catch the subclass for
 * the {@link #code()} they care about.
 */
public class SwitchboardException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String code;

    public SwitchboardException(String code, String message) {
        this(code, message, null);
    }

    public SwitchboardException(String code, String message, Throwable cause) {
        super(code + ": " + message, cause);
        this.code = code;
    }

    /** The server's stable error code (for example {@code not_held}), or a client-side code such as {@code disconnected}. */
    public String code() {
        return code;
    }
}
