package dev.switchboard.protocol.relay;

import static dev.switchboard.protocol.relay.RelayHex.bytes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.switchboard.protocol.relay.RelayTokenException.Reason;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class RelayTokensTest {
    private static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");
    private static final Instant IN_AN_HOUR = NOW.plus(Duration.ofHours(1));
    private static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);
    private static final RelayPeerId ALICE = RelayPeerId.hashOf("alice");
    private static final RelayPeerId BOB = RelayPeerId.hashOf("bob");

    private final RelayTokens tokens = new RelayTokens("s3cret", CLOCK, Duration.ofHours(24), false);

    @Test
    void anUnboundTokenIsTheOriginalsV2Layout() throws Exception {
        // Expiry 1767225600 (2026-01-01T00:00:00Z), HMAC-SHA256 with the key SHA-256("s3cret").
        byte[] golden = bytes("01 daf28dc377058a972d62084b3143d967d2c1defc5bfdfa0a9ae883892583b1a0 31373637323235363030");

        assertThat(tokens.mint(NOW)).isEqualTo(golden);
        RelayTokens.Token token = tokens.validate(golden, ALICE);
        assertThat(token.expiry()).as("valid up to and including its expiry second").isEqualTo(NOW);
        assertThat(token.peerId()).isEmpty();
    }

    @Test
    void aBoundTokenAdmitsItsPeerOnly() throws Exception {
        byte[] token = tokens.mint(IN_AN_HOUR, ALICE);

        assertThat(new String(token, 33, token.length - 33, StandardCharsets.US_ASCII)).isEqualTo(IN_AN_HOUR.getEpochSecond() + ":" + ALICE);
        assertThat(tokens.validate(token, ALICE).peerId()).contains(ALICE);
        assertRefused(() -> tokens.validate(token, BOB), Reason.WRONG_PEER);
        assertThat(new RelayAuth(ALICE, token).toBytes()).as("a bound token fits the 212-byte handshake").hasSizeLessThanOrEqualTo(RelayAuth.MAX_BYTES);
    }

    @Test
    void aValidatorThatRequiresBindingRefusesAnUnboundToken() throws Exception {
        RelayTokens strict = new RelayTokens("s3cret", CLOCK, Duration.ofHours(24), true);

        assertRefused(() -> strict.validate(strict.mint(IN_AN_HOUR), ALICE), Reason.UNBOUND);
        assertThat(strict.validate(strict.mint(IN_AN_HOUR, ALICE), ALICE).expiry()).isEqualTo(IN_AN_HOUR);
    }

    @Test
    void anExpiredTokenIsRefused() {
        byte[] token = tokens.mint(NOW.minusSeconds(1), ALICE);

        assertRefused(() -> tokens.validate(token, ALICE), Reason.EXPIRED);
    }

    @Test
    void anExpiryBeyondTheMaximumLifetimeIsRefused() {
        byte[] token = tokens.mint(NOW.plus(Duration.ofHours(24)).plusSeconds(1));

        assertRefused(() -> tokens.validate(token, ALICE), Reason.EXPIRY_TOO_FAR);
    }

    @Test
    void aForgedTokenIsRefused() {
        byte[] token = tokens.mint(IN_AN_HOUR, ALICE);

        byte[] flippedSignature = token.clone();
        flippedSignature[5] ^= 1;
        assertRefused(() -> tokens.validate(flippedSignature, ALICE), Reason.BAD_SIGNATURE);

        // Alice's token re-pointed at Bob without the secret: the signature no longer matches.
        String boundToBob = IN_AN_HOUR.getEpochSecond() + ":" + BOB;
        byte[] repointed = Arrays.copyOf(token, 33 + boundToBob.length());
        System.arraycopy(boundToBob.getBytes(StandardCharsets.US_ASCII), 0, repointed, 33, boundToBob.length());
        assertRefused(() -> tokens.validate(repointed, BOB), Reason.BAD_SIGNATURE);

        byte[] otherSecret = new RelayTokens("other", CLOCK, Duration.ofHours(24), false).mint(IN_AN_HOUR, ALICE);
        assertRefused(() -> tokens.validate(otherSecret, ALICE), Reason.BAD_SIGNATURE);
    }

    @Test
    void aMalformedTokenIsRefused() {
        assertRefused(() -> tokens.validate(new byte[42], ALICE), Reason.MALFORMED);
        assertRefused(() -> tokens.validate(new byte[RelayAuth.MAX_PAYLOAD_BYTES + 1], ALICE), Reason.MALFORMED);
        byte[] unknownAlgorithm = tokens.mint(IN_AN_HOUR);
        unknownAlgorithm[0] = 2;
        assertRefused(() -> tokens.validate(unknownAlgorithm, ALICE), Reason.UNKNOWN_ALGORITHM);
        assertRefused(() -> tokens.validate(signed("+767225600"), ALICE), Reason.MALFORMED);
        assertRefused(() -> tokens.validate(signed("99999999999999999999"), ALICE), Reason.MALFORMED);
        assertRefused(() -> tokens.validate(signed("9223372036854775808"), ALICE), Reason.MALFORMED);
        assertRefused(() -> tokens.validate(signed(IN_AN_HOUR.getEpochSecond() + ":sha-short"), ALICE), Reason.MALFORMED);
    }

    @Test
    void anEmptySecretIsAConfigurationError() {
        assertThatThrownBy(() -> new RelayTokens("", CLOCK, Duration.ofHours(1), false)).isInstanceOf(IllegalArgumentException.class);
    }

    /** A correctly signed token over an arbitrary payload, built with the published key derivation. */
    private static byte[] signed(String payload) throws Exception {
        javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA256");
        byte[] key = java.security.MessageDigest.getInstance("SHA-256").digest("s3cret".getBytes(StandardCharsets.UTF_8));
        mac.init(new javax.crypto.spec.SecretKeySpec(key, "HmacSHA256"));
        byte[] body = payload.getBytes(StandardCharsets.US_ASCII);
        byte[] token = new byte[33 + body.length];
        token[0] = 1;
        System.arraycopy(mac.doFinal(body), 0, token, 1, 32);
        System.arraycopy(body, 0, token, 33, body.length);
        return token;
    }

    private static void assertRefused(org.assertj.core.api.ThrowableAssert.ThrowingCallable call, Reason reason) {
        assertThatThrownBy(call).isInstanceOfSatisfying(RelayTokenException.class,
                e -> assertThat(e.reason()).as(e.getMessage()).isEqualTo(reason));
    }
}
