package dev.switchboard.protocol.relay;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Optional;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Mints and validates the relay's v2 auth tokens, the payload of an Auth message:
 *
 * <pre>
 *   algorithm 0x01 (HMAC-SHA256) | signature (32 bytes) | payload (ASCII)
 *   payload   = expiry                unix seconds in decimal, at least 10 digits (the original's form)
 *             | expiry ":" peer id    the same, bound to one peer id, printed sha-&lt;base64&gt; (Switchboard's)
 *   signature = HMAC-SHA256(key = SHA-256(secret), payload)
 * </pre>
 *
 * The original accepts any unexpired token for any peer id, with no upper bound on the expiry. This
 * validator also refuses a token naming another peer id than the one claimed, optionally refuses
 * tokens naming none, and refuses an expiry further ahead than the maximum lifetime. A bound token
 * is not accepted by the original relay (its expiry does not parse as a number there). Signatures
 * are compared in constant time.
 */
public final class RelayTokens {
    public static final byte HMAC_SHA256 = 0x01;
    private static final int SIGNATURE_BYTES = 32;
    private static final int MIN_EXPIRY_DIGITS = 10;
    // Long.MAX_VALUE has 19 digits: more cannot be a time, and bounds the parse.
    private static final int MAX_EXPIRY_DIGITS = 19;
    private static final char BINDING_SEPARATOR = ':';

    /** A validated token: until when it admits, and the peer id it is bound to, if any. */
    public record Token(Instant expiry, Optional<RelayPeerId> peerId) {
    }

    private final SecretKeySpec key;
    private final Clock clock;
    private final Duration maxLifetime;
    private final boolean requireBinding;

    /**
     * @param secret         the shared secret ({@code --auth-secret}); the key is its SHA-256, as the original's
     * @param maxLifetime    how far ahead an expiry may lie
     * @param requireBinding whether a token must name the peer id it admits
     */
    public RelayTokens(String secret, Clock clock, Duration maxLifetime, boolean requireBinding) {
        if (secret.isEmpty()) {
            throw new IllegalArgumentException("the relay auth secret must not be empty");
        }
        try {
            byte[] keyBytes = MessageDigest.getInstance("SHA-256").digest(secret.getBytes(StandardCharsets.UTF_8));
            this.key = new SecretKeySpec(keyBytes, "HmacSHA256");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
        this.clock = clock;
        this.maxLifetime = maxLifetime;
        this.requireBinding = requireBinding;
    }

    /** An unbound token, in the original's form (accepted by the original relay too). */
    public byte[] mint(Instant expiry) {
        return sign(Long.toString(expiry.getEpochSecond()));
    }

    /** A token bound to {@code peerId}. */
    public byte[] mint(Instant expiry, RelayPeerId peerId) {
        return sign(expiry.getEpochSecond() + String.valueOf(BINDING_SEPARATOR) + peerId);
    }

    /** Checks {@code token} for a peer claiming {@code claimedPeerId}; returns what it holds, or says why it is refused. */
    public Token validate(byte[] token, RelayPeerId claimedPeerId) throws RelayTokenException {
        if (token.length < 1 + SIGNATURE_BYTES + MIN_EXPIRY_DIGITS || token.length > RelayAuth.MAX_PAYLOAD_BYTES) {
            throw new RelayTokenException(RelayTokenException.Reason.MALFORMED,
                    "a token is " + (1 + SIGNATURE_BYTES + MIN_EXPIRY_DIGITS) + " to " + RelayAuth.MAX_PAYLOAD_BYTES + " bytes, not " + token.length);
        }
        if (token[0] != HMAC_SHA256) {
            throw new RelayTokenException(RelayTokenException.Reason.UNKNOWN_ALGORITHM, "token algorithm " + (token[0] & 0xFF) + " is not HMAC-SHA256 (1)");
        }
        byte[] payload = Arrays.copyOfRange(token, 1 + SIGNATURE_BYTES, token.length);
        if (!MessageDigest.isEqual(Arrays.copyOfRange(token, 1, 1 + SIGNATURE_BYTES), mac(payload))) {
            throw new RelayTokenException(RelayTokenException.Reason.BAD_SIGNATURE, "the token's signature does not match");
        }
        String text = new String(payload, StandardCharsets.US_ASCII);
        int separator = text.indexOf(BINDING_SEPARATOR);
        Instant expiry = Instant.ofEpochSecond(parseExpiry(separator < 0 ? text : text.substring(0, separator)));
        Instant now = clock.instant();
        if (now.isAfter(expiry)) {
            throw new RelayTokenException(RelayTokenException.Reason.EXPIRED, "the token expired at " + expiry);
        }
        if (Duration.between(now, expiry).compareTo(maxLifetime) > 0) {
            throw new RelayTokenException(RelayTokenException.Reason.EXPIRY_TOO_FAR,
                    "the token's expiry " + expiry + " is more than " + maxLifetime + " ahead");
        }
        Optional<RelayPeerId> bound = separator < 0 ? Optional.empty() : Optional.of(boundPeer(text.substring(separator + 1)));
        if (bound.isPresent() && !bound.get().equals(claimedPeerId)) {
            throw new RelayTokenException(RelayTokenException.Reason.WRONG_PEER,
                    "the token is bound to " + bound.get() + ", not to " + claimedPeerId);
        }
        if (bound.isEmpty() && requireBinding) {
            throw new RelayTokenException(RelayTokenException.Reason.UNBOUND, "the token names no peer id, and this relay requires one");
        }
        return new Token(expiry, bound);
    }

    private static long parseExpiry(String digits) throws RelayTokenException {
        if (digits.length() < MIN_EXPIRY_DIGITS || digits.length() > MAX_EXPIRY_DIGITS || !digits.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw new RelayTokenException(RelayTokenException.Reason.MALFORMED,
                    "a token's expiry is " + MIN_EXPIRY_DIGITS + " to " + MAX_EXPIRY_DIGITS + " decimal digits");
        }
        try {
            return Long.parseLong(digits);
        } catch (NumberFormatException e) {
            throw new RelayTokenException(RelayTokenException.Reason.MALFORMED, "a token's expiry is out of range");
        }
    }

    private static RelayPeerId boundPeer(String printed) throws RelayTokenException {
        try {
            return RelayPeerId.parse(printed);
        } catch (RelayProtocolException e) {
            throw new RelayTokenException(RelayTokenException.Reason.MALFORMED, "the token's peer id: " + e.getMessage());
        }
    }

    private byte[] sign(String payload) {
        byte[] payloadBytes = payload.getBytes(StandardCharsets.US_ASCII);
        byte[] token = new byte[1 + SIGNATURE_BYTES + payloadBytes.length];
        token[0] = HMAC_SHA256;
        System.arraycopy(mac(payloadBytes), 0, token, 1, SIGNATURE_BYTES);
        System.arraycopy(payloadBytes, 0, token, 1 + SIGNATURE_BYTES, payloadBytes.length);
        return token;
    }

    private byte[] mac(byte[] payload) {
        try {
            // A Mac is not thread-safe; one per call keeps the validator shareable.
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(key);
            return mac.doFinal(payload);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("every Java platform has HmacSHA256", e);
        }
    }
}
