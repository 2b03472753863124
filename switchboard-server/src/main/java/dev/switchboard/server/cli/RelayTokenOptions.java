package dev.switchboard.server.cli;

import dev.switchboard.protocol.relay.RelayPeerId;
import dev.switchboard.protocol.relay.RelayProtocolException;
import dev.switchboard.protocol.relay.RelayTokens;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import picocli.CommandLine.Option;

/**
 * What {@code switchboard token --relay} needs to mint a v2 token of the openzro/NetBird relay
 * protocol: the relay's secret and lifetime cap under the server's own option names (so the same
 * environment, {@code SWITCHBOARD_RELAY_AUTH_SECRET} or {@code OZ_AUTH_SECRET}, mints a token the
 * server accepts), and the peer it is bound to.
 */
final class RelayTokenOptions {
    /** A minted token: its bytes in standard base64, and the peer id it admits (null when unbound). */
    record Minted(String base64, RelayPeerId peerId) {
    }

    // No ${DEFAULT-VALUE}: --help must not print a secret taken from the environment.
    @Option(names = {"--relay-auth-secret", "--auth-secret"}, paramLabel = "SECRET", description = "With --relay: the relay's shared secret, as given to the server (environment also OZ_AUTH_SECRET).")
    String secret;
    @Option(names = "--relay-auth-secret-file", paramLabel = "FILE", description = "With --relay: a file holding the relay's secret (keeps it out of the process list).")
    Path secretFile;
    @Option(names = "--relay-token-max-lifetime", paramLabel = "SECONDS", defaultValue = "86400", description = "With --relay: the longest --ttl, as the server's cap (default: ${DEFAULT-VALUE}).")
    long maxLifetime;
    @Option(names = "--peer-key", paramLabel = "KEY", description = "With --relay: the peer's key string (a NetBird client's WireGuard public key); the token is bound to sha- + its SHA-256.")
    String peerKey;
    @Option(names = "--peer-id", paramLabel = "ID", description = "With --relay: the peer id the token is bound to, printed sha-<base64>.")
    String peerId;
    @Option(names = "--unbound", description = "With --relay: the original's form, naming no peer id (the server takes it only with --relay-allow-unbound-tokens).")
    boolean unbound;

    /** Mints a token valid for {@code ttl}; throws {@link IllegalArgumentException} saying what is wrong. */
    Minted mint(Duration ttl, Clock clock) {
        String key = secret();
        if (key == null || key.isEmpty()) {
            throw new IllegalArgumentException("no relay secret: set --relay-auth-secret, --relay-auth-secret-file, SWITCHBOARD_RELAY_AUTH_SECRET or OZ_AUTH_SECRET");
        }
        if (ttl.isNegative() || ttl.isZero()) throw new IllegalArgumentException("--ttl must be positive");
        if (ttl.compareTo(Duration.ofSeconds(maxLifetime)) > 0) {
            throw new IllegalArgumentException("--ttl " + ttl.toSeconds() + " s is over --relay-token-max-lifetime " + maxLifetime + " s: the server would refuse it");
        }
        RelayPeerId bound = peer();
        RelayTokens tokens = new RelayTokens(key, clock, Duration.ofSeconds(maxLifetime), false);
        byte[] token = bound == null ? tokens.mint(clock.instant().plus(ttl)) : tokens.mint(clock.instant().plus(ttl), bound);
        return new Minted(Base64.getEncoder().encodeToString(token), bound);
    }

    /** The id named by exactly one of --peer-key, --peer-id and --unbound (null for --unbound). */
    private RelayPeerId peer() {
        int given = (peerKey != null ? 1 : 0) + (peerId != null ? 1 : 0) + (unbound ? 1 : 0);
        if (given != 1) throw new IllegalArgumentException("--relay needs exactly one of --peer-key, --peer-id and --unbound");
        if (peerKey != null) return RelayPeerId.hashOf(peerKey);
        if (peerId == null) return null;
        try {
            return RelayPeerId.parse(peerId);
        } catch (RelayProtocolException e) {
            throw new IllegalArgumentException("--peer-id '" + peerId + "': " + e.getMessage());
        }
    }

    private String secret() {
        // As given, not trimmed: the server keys with its secret as given, so must the token.
        if (secret != null) return secret;
        if (secretFile == null) return null;
        try {
            // Only the file's final line break goes: an editor adds it, and the server never sees it.
            return Files.readString(secretFile, StandardCharsets.UTF_8).replaceFirst("\\R\\z", "");
        } catch (IOException e) {
            throw new IllegalArgumentException("--relay-auth-secret-file " + secretFile + ": cannot read it: " + e.getMessage());
        }
    }
}
