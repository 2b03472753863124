package dev.switchboard.server.identity;

import dev.switchboard.protocol.json.ProtocolJson;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import tools.jackson.databind.JsonNode;

/**
 * Switchboard's own signed token: {@code sb1.<claims>.<mac>}, where {@code <claims>} is the
 * base64url (no padding) of the claims' JSON and {@code <mac>} the base64url of
 * HMAC-SHA256(secret, {@code "sb1." + <claims>}). The version prefix is under the MAC, so a token
 * cannot be replayed as another format. URL-safe, so it fits a header, a query or a hello unchanged.
 */
final class NativeTokens {
    static final String PREFIX = "sb1.";
    private static final int MAC_BYTES = 32;
    private static final Base64.Encoder ENCODER = Base64.getUrlEncoder().withoutPadding();
    private static final Base64.Decoder DECODER = Base64.getUrlDecoder();

    private NativeTokens() {
    }

    static boolean looksNative(String token) {
        return token.startsWith(PREFIX);
    }

    static String mint(TokenClaims claims, byte[] secret) {
        String signed = PREFIX + ENCODER.encodeToString(ProtocolJson.MAPPER.writeValueAsBytes(claims.toJson()));
        return signed + "." + ENCODER.encodeToString(mac(secret, signed));
    }

    /** The claims of a token whose MAC checks out (expiry is the caller's to check). */
    static TokenClaims verify(String token, byte[] secret) throws TokenRefused {
        int dot = token.lastIndexOf('.');
        if (dot < PREFIX.length()) throw new TokenRefused("malformed token: expected sb1.<claims>.<mac>");
        String signed = token.substring(0, dot);
        byte[] presented = decode(token.substring(dot + 1));
        if (presented.length != MAC_BYTES) throw new TokenRefused("malformed token: the MAC is not " + MAC_BYTES + " bytes");
        // Constant time: a byte-by-byte early exit would tell a forger how much of the MAC is right.
        if (!MessageDigest.isEqual(mac(secret, signed), presented)) throw new TokenRefused("token signature does not match");
        JsonNode claims;
        try {
            claims = ProtocolJson.MAPPER.readTree(decode(signed.substring(PREFIX.length())));
        } catch (RuntimeException e) {
            throw new TokenRefused("malformed token: the claims are not JSON");
        }
        return TokenClaims.fromJson(claims, true);
    }

    private static byte[] decode(String part) throws TokenRefused {
        try {
            return DECODER.decode(part);
        } catch (IllegalArgumentException e) {
            throw new TokenRefused("malformed token: not base64url");
        }
    }

    private static byte[] mac(byte[] secret, String signed) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret, "HmacSHA256"));
            return mac.doFinal(signed.getBytes(StandardCharsets.US_ASCII));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is part of every Java runtime", e);
        }
    }
}
