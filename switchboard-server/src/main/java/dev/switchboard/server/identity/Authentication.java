package dev.switchboard.server.identity;

import dev.switchboard.core.identity.Identity;
import java.time.Instant;

/** The outcome of checking a client's credentials: an identity, or the reason it is refused. */
public sealed interface Authentication {
    /**
     * The client is {@code identity}. {@code expiresAt} is when its credential stops being valid (a
     * signed token's or JWT's expiry), null for credentials that do not expire (ACL and shared
     * tokens, anonymous clients): the place where refreshing a token on a live connection and ending
     * it with {@code token_expired} will hook in.
     */
    record Accepted(Identity identity, Instant expiresAt) implements Authentication {
    }

    /** The client is refused {@code unauthorized}; {@code reason} is the error's message. */
    record Refused(String reason) implements Authentication {
    }

    static Authentication accepted(Identity identity) {
        return new Accepted(identity, null);
    }
}
