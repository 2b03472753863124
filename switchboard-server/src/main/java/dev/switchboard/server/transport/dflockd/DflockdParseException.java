package dev.switchboard.server.transport.dflockd;

/**
 * A request that breaks dflockd's syntax. The wire shows only {@code error}; the numeric code
 * (dflockd's own numbering) and the message go to the debug log.
 */
final class DflockdParseException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final int code;

    DflockdParseException(int code, String message) {
        super(message, null, false, false);
        this.code = code;
    }

    int code() {
        return code;
    }
}
