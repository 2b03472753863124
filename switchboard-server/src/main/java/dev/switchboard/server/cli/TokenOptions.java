package dev.switchboard.server.cli;

import dev.switchboard.server.identity.SignedTokens;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import picocli.CommandLine.Option;

/**
 * The signed-token options the server and {@code switchboard token} share, so a token minted with
 * the same environment is one the server accepts. Each also comes from {@code SWITCHBOARD_<NAME>}.
 */
final class TokenOptions {
    // No ${DEFAULT-VALUE}: --help must not print a secret taken from the environment.
    @Option(names = "--token-secret", paramLabel = "SECRET", description = "Secret of signed identity tokens and HS256 JWTs, at least 32 bytes; unset = off (see docs/identity.md).")
    String tokenSecret;
    @Option(names = "--token-secret-file", paramLabel = "FILE", description = "File holding the token secret (keeps it out of the process list).")
    Path tokenSecretFile;
    @Option(names = "--token-max-ttl", paramLabel = "SECONDS", defaultValue = "86400", description = "Longest time a signed token or JWT may have left before it expires; a longer one is refused (default: ${DEFAULT-VALUE}).")
    long tokenMaxTtl;

    /** The secret: --token-secret, else the file's content (trimmed); null when neither is set. */
    String secret() {
        if (tokenSecret != null) return tokenSecret.strip();
        if (tokenSecretFile == null) return null;
        try {
            return Files.readString(tokenSecretFile, StandardCharsets.UTF_8).strip();
        } catch (IOException e) {
            throw new IllegalArgumentException("--token-secret-file " + tokenSecretFile + ": cannot read it: " + e.getMessage());
        }
    }

    Duration maxTtl() {
        return Duration.ofSeconds(tokenMaxTtl);
    }

    /** The server's token checks; {@code jwks} may be null. */
    SignedTokens signedTokens(Path jwks) {
        return new SignedTokens(secret(), maxTtl(), jwks == null ? null : SignedTokens.loadJwks(jwks), java.time.Clock.systemUTC());
    }
}
