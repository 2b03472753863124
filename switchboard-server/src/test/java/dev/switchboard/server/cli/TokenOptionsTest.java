package dev.switchboard.server.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.switchboard.server.SwitchboardConfig;
import dev.switchboard.server.identity.Authentication;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The server's token options, from flags and the environment, reach its token checks. */
class TokenOptionsTest {
    private static SwitchboardConfig config(Map<String, String> env, String... args) {
        CommandLine cl = Main.commandLine(env);
        cl.parseArgs(args);
        return ((Main) cl.getCommand()).toConfig();
    }

    @Test
    void aJwksFileFromTheEnvironmentVerifiesRs256Tokens(@TempDir Path dir) throws Exception {
        RSAKey key = new RSAKeyGenerator(2048).keyID("k1").generate();
        Path jwks = dir.resolve("keys.json");
        Files.writeString(jwks, new JWKSet(key).toString()); // the private part is ignored
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID("k1").build(),
                new JWTClaimsSet.Builder().subject("erin").expirationTime(Date.from(Instant.now().plusSeconds(300))).build());
        jwt.sign(new RSASSASigner(key));

        SwitchboardConfig config = config(Map.of("SWITCHBOARD_JWKS", jwks.toString()));
        assertThat(config.signedTokens().enabled()).isTrue();
        Authentication a = config.signedTokens().check(jwt.serialize());
        assertThat(a).isInstanceOf(Authentication.Accepted.class);
        assertThat(((Authentication.Accepted) a).identity().name()).isEqualTo("erin");

        // Capped lower than the token's remaining life: refused.
        SwitchboardConfig strict = config(Map.of(), "--jwks", jwks.toString(), "--token-max-ttl", "60");
        assertThat(strict.signedTokens().maxTtl()).isEqualTo(Duration.ofSeconds(60));
        assertThat(strict.signedTokens().check(jwt.serialize())).isInstanceOf(Authentication.Refused.class);
    }

    @Test
    void theSecretMayComeFromAFileAndWithoutOneTokensAreOff(@TempDir Path dir) throws Exception {
        Path secret = dir.resolve("secret");
        Files.writeString(secret, "file-secret-0123456789-abcdefghijklmnop\n");
        assertThat(config(Map.of(), "--token-secret-file", secret.toString()).signedTokens().enabled()).isTrue();
        assertThat(config(Map.of()).signedTokens().enabled()).isFalse();
        assertThatThrownBy(() -> config(Map.of(), "--jwks", dir.resolve("missing.json").toString()))
                .hasMessageStartingWith("--jwks " + dir.resolve("missing.json") + ": cannot read it");
    }

    @Test
    void theTokenExpiryGraceComesFromTheFlagOrTheEnvironmentAndIsNeverNegative() {
        assertThat(config(Map.of()).tokenExpiryGrace()).isEqualTo(Duration.ZERO);
        assertThat(config(Map.of("SWITCHBOARD_TOKEN_EXPIRY_GRACE", "5")).tokenExpiryGrace()).isEqualTo(Duration.ofSeconds(5));
        assertThat(config(Map.of("SWITCHBOARD_TOKEN_EXPIRY_GRACE", "5"), "--token-expiry-grace", "2").tokenExpiryGrace())
                .isEqualTo(Duration.ofSeconds(2));
        assertThatThrownBy(() -> config(Map.of(), "--token-expiry-grace", "-1")).hasMessageContaining("--token-expiry-grace");
    }
}
