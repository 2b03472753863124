package dev.switchboard.server.identity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.switchboard.core.identity.Identity;
import dev.switchboard.core.identity.Permission;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Native signed tokens and JWTs: what a token proves, and each reason one is refused. */
class SignedTokensTest {
    private static final String SECRET = "a-test-secret-that-is-long-enough-for-hs256";
    private static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");

    private static SignedTokens tokens(Instant now) {
        return new SignedTokens(SECRET, Duration.ofHours(24), null, Clock.fixed(now, ZoneOffset.UTC));
    }

    private static Identity accepted(Authentication a) {
        assertThat(a).isInstanceOf(Authentication.Accepted.class);
        return ((Authentication.Accepted) a).identity();
    }

    private static String refusal(Authentication a) {
        assertThat(a).isInstanceOf(Authentication.Refused.class);
        return ((Authentication.Refused) a).reason();
    }

    @Test
    void aMintedTokenProvesItsPeerIdWithItsClaimsAsPermissions() {
        String token = tokens(NOW).mint("alice", Duration.ofHours(1),
                Map.of(Permission.PUBLISH, List.of("chat.alice.>"), Permission.SUBSCRIBE, List.of("chat.>")));
        assertThat(token).startsWith("sb1.").matches("[A-Za-z0-9_.-]+");
        Authentication a = tokens(NOW.plusSeconds(60)).check(token);
        Identity id = accepted(a);
        assertThat(id.name()).isEqualTo("alice");
        assertThat(id.may(Permission.PUBLISH, "chat.alice.x")).isTrue();
        assertThat(id.may(Permission.PUBLISH, "chat.bob")).isFalse();
        assertThat(id.may(Permission.SUBSCRIBE, "chat.*")).isTrue();
        assertThat(id.may(Permission.CALL, "anything")).isFalse(); // a list not named grants nothing
        assertThat(((Authentication.Accepted) a).expiresAt()).isEqualTo(NOW.plusSeconds(3600));
    }

    @Test
    void aTokenWithoutPermissionClaimsGrantsEverything() {
        Identity id = accepted(tokens(NOW).check(tokens(NOW).mint("svc", Duration.ofMinutes(5), null)));
        assertThat(id.name()).isEqualTo("svc");
        for (Permission p : Permission.values()) assertThat(id.may(p, ">")).isTrue();
    }

    @Test
    void anExpiredTokenIsRefused() {
        String token = tokens(NOW).mint("alice", Duration.ofSeconds(30), null);
        assertThat(refusal(tokens(NOW.plusSeconds(30)).check(token))).isEqualTo("token expired");
    }

    @Test
    void aForgedTokenIsRefused() {
        String token = tokens(NOW).mint("alice", Duration.ofHours(1), Map.of(Permission.PUBLISH, List.of("a")));
        int dot = token.lastIndexOf('.');
        // Claim another identity with the same MAC: the MAC is over the claims, so it no longer matches.
        String claims = new String(Base64.getUrlDecoder().decode(token.substring(4, dot)), StandardCharsets.UTF_8);
        String other = Base64.getUrlEncoder().withoutPadding().encodeToString(
                claims.replace("\"alice\"", "\"mallory\"").getBytes(StandardCharsets.UTF_8));
        assertThat(refusal(tokens(NOW).check("sb1." + other + token.substring(dot)))).isEqualTo("token signature does not match");
        // One byte of the MAC changed.
        char last = token.charAt(dot + 5);
        String flipped = token.substring(0, dot + 5) + (last == 'A' ? 'B' : 'A') + token.substring(dot + 6);
        assertThat(refusal(tokens(NOW).check(flipped))).isEqualTo("token signature does not match");
    }

    @Test
    void aTokenOfAnotherSecretIsRefused() {
        SignedTokens other = new SignedTokens("another-secret-that-is-long-enough-too!!", Duration.ofHours(24), null,
                Clock.fixed(NOW, ZoneOffset.UTC));
        assertThat(refusal(tokens(NOW).check(other.mint("alice", Duration.ofHours(1), null)))).isEqualTo("token signature does not match");
    }

    @Test
    void malformedTokensSayWhy() {
        assertThat(refusal(tokens(NOW).check("sb1.nodot"))).startsWith("malformed token");
        assertThat(refusal(tokens(NOW).check("sb1.!!!.???"))).startsWith("malformed token");
        assertThat(refusal(tokens(NOW).check("sb1." + "A".repeat(SignedTokens.MAX_TOKEN_CHARS) + ".x"))).startsWith("malformed token");
        assertThat(tokens(NOW).check("just-a-static-token")).isNull(); // not ours: the ACL and shared token decide
    }

    @Test
    void theLifetimeIsCapped() {
        SignedTokens longLived = new SignedTokens(SECRET, Duration.ofDays(30), null, Clock.fixed(NOW, ZoneOffset.UTC));
        String token = longLived.mint("alice", Duration.ofDays(2), null);
        assertThat(refusal(tokens(NOW).check(token))).contains("--token-max-ttl");
        assertThatThrownBy(() -> tokens(NOW).mint("alice", Duration.ofDays(2), null)).hasMessageContaining("--token-max-ttl");
    }

    @Test
    void reservedAndBlankPeerIdsCannotBeMinted() {
        assertThatThrownBy(() -> tokens(NOW).mint("anonymous", Duration.ofHours(1), null)).hasMessageContaining("reserved");
        assertThatThrownBy(() -> tokens(NOW).mint("a b", Duration.ofHours(1), null)).hasMessageContaining("white space");
        assertThatThrownBy(() -> new SignedTokens("short", Duration.ofHours(1), null, Clock.systemUTC())).hasMessageContaining("32 bytes");
    }

    private static String jwt(JWSHeader header, com.nimbusds.jose.JWSSigner signer, String sub, Instant exp, Map<String, Object> extra)
            throws Exception {
        JWTClaimsSet.Builder claims = new JWTClaimsSet.Builder().subject(sub).issuer("tests");
        if (exp != null) claims.expirationTime(Date.from(exp));
        extra.forEach(claims::claim);
        SignedJWT jwt = new SignedJWT(header, claims.build());
        jwt.sign(signer);
        return jwt.serialize();
    }

    @Test
    void anHs256JwtWithTheSecretProvesItsSubject() throws Exception {
        String token = jwt(new JWSHeader.Builder(JWSAlgorithm.HS256).type(JOSEObjectType.JWT).build(),
                new MACSigner(SECRET.getBytes(StandardCharsets.UTF_8)), "bob", NOW.plusSeconds(600),
                Map.of("subscribe", List.of("news.>")));
        Identity id = accepted(tokens(NOW).check(token));
        assertThat(id.name()).isEqualTo("bob");
        assertThat(id.may(Permission.SUBSCRIBE, "news.eu")).isTrue();
        assertThat(id.may(Permission.PUBLISH, "news.eu")).isFalse();
        assertThat(refusal(tokens(NOW.plusSeconds(600)).check(token))).isEqualTo("token expired");
        String noExp = jwt(new JWSHeader(JWSAlgorithm.HS256), new MACSigner(SECRET.getBytes(StandardCharsets.UTF_8)), "bob", null, Map.of());
        assertThat(refusal(tokens(NOW).check(noExp))).contains("no exp");
        String wrongKey = jwt(new JWSHeader(JWSAlgorithm.HS256), new MACSigner("x".repeat(32).getBytes(StandardCharsets.UTF_8)),
                "bob", NOW.plusSeconds(600), Map.of());
        assertThat(refusal(tokens(NOW).check(wrongKey))).isEqualTo("token signature does not match");
    }

    @Test
    void rs256AndEs256JwtsAreCheckedWithTheKeysOfTheJwksFile(@TempDir Path dir) throws Exception {
        RSAKey rsa = new RSAKeyGenerator(2048).keyID("rsa-1").generate();
        ECKey ec = new ECKeyGenerator(Curve.P_256).keyID("ec-1").generate();
        Path file = dir.resolve("keys.jwks");
        Files.writeString(file, new JWKSet(List.of(rsa.toPublicJWK(), ec.toPublicJWK())).toString());
        SignedTokens withKeys = new SignedTokens(null, Duration.ofHours(24), SignedTokens.loadJwks(file), Clock.fixed(NOW, ZoneOffset.UTC));

        String rs = jwt(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID("rsa-1").build(), new RSASSASigner(rsa), "carol",
                NOW.plusSeconds(60), Map.of("call", List.of("billing.*")));
        Identity carol = accepted(withKeys.check(rs));
        assertThat(carol.name()).isEqualTo("carol");
        assertThat(carol.may(Permission.CALL, "billing.pay")).isTrue();
        assertThat(accepted(withKeys.check(jwt(new JWSHeader.Builder(JWSAlgorithm.ES256).keyID("ec-1").build(),
                new ECDSASigner(ec), "dave", NOW.plusSeconds(60), Map.of()))).name()).isEqualTo("dave");

        RSAKey stranger = new RSAKeyGenerator(2048).keyID("rsa-1").generate();
        String forged = jwt(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID("rsa-1").build(), new RSASSASigner(stranger), "carol",
                NOW.plusSeconds(60), Map.of());
        assertThat(refusal(withKeys.check(forged))).isEqualTo("token signature does not match");
        // Without a secret, HS256 is refused rather than checked against a public key.
        String hs = jwt(new JWSHeader(JWSAlgorithm.HS256), new MACSigner(SECRET.getBytes(StandardCharsets.UTF_8)), "carol",
                NOW.plusSeconds(60), Map.of());
        assertThat(refusal(withKeys.check(hs))).contains("--token-secret");
        // alg "none" is no signature at all.
        String none = new com.nimbusds.jwt.PlainJWT(new JWTClaimsSet.Builder().subject("carol")
                .expirationTime(Date.from(NOW.plusSeconds(60))).build()).serialize();
        assertThat(refusal(withKeys.check(none))).startsWith("malformed token");
    }

    @Test
    void aBadJwksFileIsRefusedNamingIt(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("bad.jwks");
        Files.writeString(file, "{\"keys\": 3}");
        assertThatThrownBy(() -> SignedTokens.loadJwks(file)).hasMessageContaining("--jwks " + file);
    }
}
