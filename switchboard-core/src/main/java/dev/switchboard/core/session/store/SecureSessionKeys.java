package dev.switchboard.core.session.store;

import dev.switchboard.core.util.Hex;
import java.security.SecureRandom;
import java.util.Base64;

/**
 * The default {@link SessionKeys}: ids of 128 random bits as 32 lowercase hex characters (the form
 * {@code SessionRegistry} already gives sessions), resume keys of 256 random bits as 43
 * characters of unpadded base64url.
 */
public final class SecureSessionKeys implements SessionKeys {
    /** Stateless, so one instance serves everybody. */
    public static final SecureSessionKeys INSTANCE = new SecureSessionKeys();

    private static final int RESUME_KEY_BYTES = 32;
    private static final Base64.Encoder BASE64URL = Base64.getUrlEncoder().withoutPadding();
    // One generator per thread: SecureRandom is thread-safe, but a shared instance serialises
    // every caller on its internal lock, and sessions are created on many event-loop threads.
    private static final ThreadLocal<SecureRandom> RANDOM = ThreadLocal.withInitial(SecureRandom::new);

    @Override
    public String newSessionId() {
        return Hex.randomHex(16);
    }

    @Override
    public String newResumeKey() {
        byte[] key = new byte[RESUME_KEY_BYTES];
        RANDOM.get().nextBytes(key);
        return BASE64URL.encodeToString(key);
    }
}
