package dev.switchboard.server.identity;

/** A signed token or JWT that does not prove an identity; the message is the reason told to the client. */
final class TokenRefused extends Exception {
    TokenRefused(String reason) {
        super(reason, null, false, false);
    }
}
