package dev.switchboard.core.session.store;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Makes session ids and resume keys. Pluggable so that an embedder can choose its own id scheme
 * (for instance ids that encode a node); {@link SecureSessionKeys} is the default.
 *
 * <p>Contract for implementations: ids pass {@link SessionRecord#isValidId} and are unique with
 * overwhelming probability; resume keys carry at least 128 bits from a cryptographically secure
 * random source, are at most {@value #MAX_RESUME_KEY_LENGTH} characters and are URL-safe text.
 * Both methods are thread-safe.
 *
 * <p>How a presented key is checked is not pluggable: only {@link #verifier} of a key is stored,
 * and {@link #matches} compares in constant time. A resume key never belongs in a URL or a log
 * line; it travels in a request body or header only.
 */
public interface SessionKeys {
    /** The longest resume key {@link #verifier} and {@link #matches} accept; bounds hashing work. */
    int MAX_RESUME_KEY_LENGTH = 512;

    /** A new session id. */
    String newSessionId();

    /** A new secret resume key. */
    String newResumeKey();

    /**
     * What a store keeps instead of the key: the SHA-256 of its UTF-8 bytes as 64 lowercase hex.
     * A plain hash suffices (no salt, no slow hash) because the key is random with at least 128
     * bits, so there is nothing to guess by brute force.
     *
     * @throws IllegalArgumentException when the key is null, blank or longer than
     *                                  {@value #MAX_RESUME_KEY_LENGTH}
     */
    static String verifier(String resumeKey) {
        if (resumeKey == null || resumeKey.isBlank() || resumeKey.length() > MAX_RESUME_KEY_LENGTH) {
            throw new IllegalArgumentException("resume key must be 1.." + MAX_RESUME_KEY_LENGTH + " non-blank characters");
        }
        return HexFormat.of().formatHex(sha256(resumeKey));
    }

    /**
     * Whether {@code presentedKey} is the key behind {@code verifier}. The comparison is of the two
     * digests with {@link MessageDigest#isEqual}, which takes the same time wherever they differ,
     * so a client learns nothing from how long a wrong key takes to be refused. False (never an
     * exception) for a null, blank or overlong key and for a malformed verifier.
     */
    static boolean matches(String presentedKey, String verifier) {
        if (presentedKey == null || presentedKey.isBlank() || presentedKey.length() > MAX_RESUME_KEY_LENGTH) {
            return false;
        }
        if (!isVerifier(verifier)) return false;
        return MessageDigest.isEqual(sha256(presentedKey), HexFormat.of().parseHex(verifier));
    }

    /** True for 64 lowercase hex characters, the form {@link #verifier} produces. */
    static boolean isVerifier(String s) {
        if (s == null || s.length() != 64) return false;
        for (int i = 0; i < 64; i++) {
            char c = s.charAt(i);
            if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
        }
        return true;
    }

    private static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            // Every Java platform is required to provide SHA-256.
            throw new IllegalStateException("SHA-256 is not available", e);
        }
    }
}
