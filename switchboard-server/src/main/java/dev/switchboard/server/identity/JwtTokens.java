package dev.switchboard.server.identity;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.crypto.MACVerifier;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKMatcher;
import com.nimbusds.jose.jwk.JWKSelector;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jwt.SignedJWT;
import dev.switchboard.protocol.json.ProtocolJson;
import java.text.ParseException;
import java.util.List;
import tools.jackson.databind.JsonNode;

/**
 * JWTs (compact JWS) checked with nimbus-jose-jwt: HS256 with the token secret, RS256 and ES256 with
 * the public keys of the JWKS file. Any other algorithm, {@code none} included, is refused: the
 * server, not the token, decides how a token must be signed. The claims map as a native token's do
 * ({@link TokenClaims}), other claims being ignored.
 */
final class JwtTokens {
    private final byte[] secret;
    private final JWKSet keys;

    /** {@code secret} (for HS256) and {@code keys} (for RS256/ES256) may each be null: that kind is then refused. */
    JwtTokens(byte[] secret, JWKSet keys) {
        this.secret = secret;
        this.keys = keys == null ? null : keys.toPublicJWKSet();
    }

    /** A compact JWS: three base64url parts, the first a JSON object (base64url of "{" starts "ey"). */
    static boolean looksLikeJwt(String token) {
        return token.startsWith("ey") && token.chars().filter(c -> c == '.').count() == 2;
    }

    /** The claims of a JWT whose signature checks out (expiry is the caller's to check). */
    TokenClaims verify(String token) throws TokenRefused {
        SignedJWT jwt;
        try {
            jwt = SignedJWT.parse(token);
        } catch (ParseException e) {
            throw new TokenRefused("malformed token: not a signed JWT");
        }
        if (!verified(jwt)) throw new TokenRefused("token signature does not match");
        JsonNode claims;
        try {
            claims = ProtocolJson.MAPPER.readTree(jwt.getPayload().toString());
        } catch (RuntimeException e) {
            throw new TokenRefused("malformed token: the claims are not JSON");
        }
        return TokenClaims.fromJson(claims, false);
    }

    private boolean verified(SignedJWT jwt) throws TokenRefused {
        JWSHeader header = jwt.getHeader();
        JWSAlgorithm alg = header.getAlgorithm();
        try {
            if (JWSAlgorithm.HS256.equals(alg)) {
                if (secret == null) throw new TokenRefused("HS256 tokens need the server's --token-secret");
                return jwt.verify(new MACVerifier(secret));
            }
            if (!JWSAlgorithm.RS256.equals(alg) && !JWSAlgorithm.ES256.equals(alg)) {
                throw new TokenRefused("unsupported token algorithm " + alg + " (HS256, RS256 and ES256 are accepted)");
            }
            if (keys == null) throw new TokenRefused(alg + " tokens need the server's --jwks file");
            // The keys of the header's type, id (when it names one) and algorithm; any may have signed it.
            List<JWK> candidates = new JWKSelector(JWKMatcher.forJWSHeader(header)).select(keys);
            if (candidates.isEmpty()) throw new TokenRefused("no key of the --jwks file matches the token (kid " + header.getKeyID() + ")");
            for (JWK key : candidates) {
                JWSVerifier verifier = key instanceof RSAKey rsa ? new RSASSAVerifier(rsa) : new ECDSAVerifier((ECKey) key);
                if (jwt.verify(verifier)) return true;
            }
            return false;
        } catch (JOSEException e) {
            throw new TokenRefused("token signature cannot be checked: " + e.getMessage());
        }
    }
}
