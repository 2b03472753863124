package dev.switchboard.server.identity;

import com.nimbusds.jose.jwk.JWKSet;
import dev.switchboard.core.identity.Permission;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * Tokens that carry their own identity: Switchboard's signed tokens ({@link NativeTokens}) and JWTs
 * ({@link JwtTokens}), checked with the {@code --token-secret} and the {@code --jwks} file. A token
 * proves the peer id it names and nothing else; it must expire, at most {@code --token-max-ttl}
 * from now (with a minute's leeway for the minter's clock), so a leaked token does not live forever.
 */
public final class SignedTokens {
    /** Shortest secret: HS256 needs 256 bits of key. */
    public static final int MIN_SECRET_BYTES = 32;
    /** Longest token read: a token is one hello field or header, never a document. */
    public static final int MAX_TOKEN_CHARS = 8192;
    public static final Duration DEFAULT_MAX_TTL = Duration.ofHours(24);
    private static final Duration CLOCK_LEEWAY = Duration.ofMinutes(1);

    /** No secret, no JWKS file: tokens are the ACL's and the shared token only. */
    public static final SignedTokens OFF = new SignedTokens(null, DEFAULT_MAX_TTL, null, Clock.systemUTC());

    private final byte[] secret;
    private final Duration maxTtl;
    private final JwtTokens jwt;
    private final boolean jwks;
    private final Clock clock;

    public SignedTokens(String secret, Duration maxTtl, JWKSet jwks, Clock clock) {
        if (secret != null && secret.getBytes(StandardCharsets.UTF_8).length < MIN_SECRET_BYTES) {
            throw new IllegalArgumentException("the token secret must be at least " + MIN_SECRET_BYTES
                    + " bytes (e.g. the output of: head -c 48 /dev/urandom | base64)");
        }
        if (maxTtl == null || maxTtl.getSeconds() < 1) throw new IllegalArgumentException("--token-max-ttl must be at least 1 second");
        this.secret = secret == null ? null : secret.getBytes(StandardCharsets.UTF_8);
        this.maxTtl = maxTtl;
        this.jwt = new JwtTokens(this.secret, jwks);
        this.jwks = jwks != null;
        this.clock = clock;
    }

    /** The public keys of a JWKS file; {@link IllegalArgumentException} names the file and what is wrong. */
    public static JWKSet loadJwks(Path file) {
        try {
            JWKSet set = JWKSet.parse(Files.readString(file, StandardCharsets.UTF_8)).toPublicJWKSet();
            if (set.isEmpty()) throw new IllegalArgumentException("--jwks " + file + ": the file holds no public key");
            return set;
        } catch (IOException e) {
            throw new IllegalArgumentException("--jwks " + file + ": cannot read it: " + e.getMessage());
        } catch (java.text.ParseException e) {
            throw new IllegalArgumentException("--jwks " + file + ": not a JWK set: " + e.getMessage());
        }
    }

    /** True when the server reads signed tokens or JWTs (and so checks every token it is given). */
    public boolean enabled() {
        return secret != null || jwks;
    }

    public Duration maxTtl() {
        return maxTtl;
    }

    /**
     * The identity {@code token} proves, or why it proves none; null when it is not a token of a kind
     * this server reads (not signed-looking, or signed tokens are off), for the caller to try others.
     */
    public Authentication check(String token) {
        try {
            TokenClaims claims = verify(token);
            return claims == null ? null : new Authentication.Accepted(claims.identity(), claims.expiresAt());
        } catch (TokenRefused e) {
            return new Authentication.Refused(e.getMessage());
        }
    }

    /** True when {@code token} is a valid signed token or JWT carrying {@code "admin": true}. */
    public boolean admits(String token) {
        try {
            TokenClaims claims = verify(token);
            return claims != null && claims.admin();
        } catch (TokenRefused e) {
            return false;
        }
    }

    /** The claims of a valid token; null when it is not of a kind this server reads. */
    private TokenClaims verify(String token) throws TokenRefused {
        token = token.strip();
        boolean isNative = NativeTokens.looksNative(token);
        if (!enabled() || !(isNative && secret != null || JwtTokens.looksLikeJwt(token))) return null;
        if (token.length() > MAX_TOKEN_CHARS) throw new TokenRefused("malformed token: longer than " + MAX_TOKEN_CHARS + " characters");
        TokenClaims claims = isNative ? NativeTokens.verify(token, secret) : jwt.verify(token);
        checkTimes(claims);
        return claims;
    }

    private void checkTimes(TokenClaims claims) throws TokenRefused {
        Instant now = clock.instant();
        if (!now.isBefore(claims.expiresAt())) throw new TokenRefused("token expired");
        if (claims.notBefore() != null && now.plus(CLOCK_LEEWAY).isBefore(claims.notBefore())) {
            throw new TokenRefused("token not valid yet");
        }
        if (claims.expiresAt().isAfter(now.plus(maxTtl).plus(CLOCK_LEEWAY))) {
            throw new TokenRefused("token lifetime exceeds the server's --token-max-ttl of " + maxTtl.getSeconds() + " s");
        }
    }

    /**
     * A native token for {@code peerId}, valid for {@code ttl} from now (at most the max TTL);
     * {@code permissions} null grants everything. {@link IllegalArgumentException} says what is wrong.
     */
    public String mint(String peerId, Duration ttl, Map<Permission, List<String>> permissions) {
        return mint(peerId, ttl, permissions, false);
    }

    /** {@link #mint(String, Duration, Map)}, with the admin claim when {@code admin}. */
    public String mint(String peerId, Duration ttl, Map<Permission, List<String>> permissions, boolean admin) {
        if (secret == null) throw new IllegalArgumentException("minting needs a token secret (--token-secret or SWITCHBOARD_TOKEN_SECRET)");
        if (ttl.getSeconds() < 1) throw new IllegalArgumentException("--ttl must be at least 1 second");
        if (ttl.compareTo(maxTtl) > 0) {
            throw new IllegalArgumentException("--ttl " + ttl.getSeconds() + " s is over the --token-max-ttl of " + maxTtl.getSeconds() + " s");
        }
        Instant expires = clock.instant().plus(ttl);
        return NativeTokens.mint(new TokenClaims(peerId, Instant.ofEpochSecond(expires.getEpochSecond()), null, permissions, admin), secret);
    }
}
