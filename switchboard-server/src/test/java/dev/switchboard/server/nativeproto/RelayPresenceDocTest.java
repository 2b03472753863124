package dev.switchboard.server.nativeproto;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.server.Switchboard;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** Replays the {@code session} blocks of the Presence section of docs/relay.md against a fresh server. */
class RelayPresenceDocTest {
    private static final Pattern BLOCK = Pattern.compile("```session\\n(.*?)```", Pattern.DOTALL);

    @Test
    void thePresenceExamplesMatchTheServer() throws Exception {
        String doc = Files.readString(Path.of("..", "docs", "relay.md"));
        int start = doc.indexOf("\n## Presence\n");
        assertThat(start).as("a Presence section in docs/relay.md").isNotNegative();
        int end = doc.indexOf("\n## ", start + 1);
        String section = doc.substring(start, end < 0 ? doc.length() : end);
        Matcher m = BLOCK.matcher(section);
        int found = 0;
        while (m.find()) {
            try (Switchboard sb = Switchboard.builder().port(0).start()) {
                ProtocolDocTest.replay("relay.md Presence block " + (found + 1), m.group(1), sb.port());
            }
            found++;
        }
        assertThat(found).as("session blocks in the Presence section").isGreaterThanOrEqualTo(1);
    }
}
