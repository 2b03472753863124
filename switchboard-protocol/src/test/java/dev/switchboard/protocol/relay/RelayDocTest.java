package dev.switchboard.protocol.relay;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The Auth example of docs/relay.md is a real message: it decodes, and its token admits the id it shows. */
class RelayDocTest {
    private static final Path DOC = Path.of("..", "docs", "relay.md");

    @Test
    void theAuthExampleDecodesAndItsTokenIsValidBeforeItsExpiry() throws Exception {
        String doc = Files.readString(DOC);
        Matcher block = Pattern.compile("```text\\n\\s*(01 06 21 12 a4 42[0-9a-f \\n]*)```").matcher(doc);
        assertThat(block.find()).as("the Auth example in docs/relay.md").isTrue();
        byte[] frame = RelayHex.bytes(block.group(1).replaceAll("\\s+", " ").strip());

        RelayAuth auth = (RelayAuth) RelayCodec.decodeFromClient(frame);

        assertThat(frame).as("the doc says a typical Auth is 85 bytes").hasSize(85);
        assertThat(auth.peerId()).isEqualTo(RelayPeerId.hashOf("alice"));
        Clock beforeExpiry = Clock.fixed(Instant.parse("2025-12-31T23:00:00Z"), ZoneOffset.UTC);
        RelayTokens tokens = new RelayTokens("s3cret", beforeExpiry, Duration.ofHours(12), false);
        assertThat(tokens.validate(auth.authPayload(), auth.peerId()).expiry()).isEqualTo(Instant.parse("2026-01-01T00:00:00Z"));
        assertThat(doc).contains(RelayPeerId.hashOf("bob").toString()).contains(":" + RelayPeerId.hashOf("alice"));
    }
}
