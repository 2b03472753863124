package dev.switchboard.bench.chaos;

/**
 * The server answered a request with an error code ({@code not_held}, {@code lease_expired} ...),
 * normalised to the native codes whatever the transport said it in. These are outcomes the chaos
 * makes happen, not failures; the actor decides which ones it expected.
 */
final class Refused extends Exception {
    private final String code;

    Refused(String code, String message) {
        super(code + ": " + message, null, false, false);
        this.code = code;
    }

    String code() {
        return code;
    }
}
