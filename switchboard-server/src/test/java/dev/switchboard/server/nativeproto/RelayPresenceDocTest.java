package dev.switchboard.server.nativeproto;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.server.Switchboard;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** Replays the {@code session} blocks of the Direct messages and Presence sections of docs/relay.md, each against a fresh server. */
class RelayPresenceDocTest {
    private static final Pattern BLOCK = Pattern.compile("```session\\n(.*?)```", Pattern.DOTALL);

    @Test
    void theDirectMessageExamplesMatchTheServer() throws Exception {
        replaySection("Direct messages");
    }

    @Test
    void thePresenceExamplesMatchTheServer() throws Exception {
        replaySection("Presence");
    }

    private static void replaySection(String title) throws Exception {
        String doc = Files.readString(Path.of("..", "docs", "relay.md"));
        int start = doc.indexOf("\n## " + title + "\n");
        assertThat(start).as("a %s section in docs/relay.md", title).isNotNegative();
        int end = doc.indexOf("\n## ", start + 1);
        String section = doc.substring(start, end < 0 ? doc.length() : end);
        Matcher m = BLOCK.matcher(section);
        int found = 0;
        while (m.find()) {
            try (Switchboard sb = Switchboard.builder().port(0).start()) {
                ProtocolDocTest.replay("relay.md " + title + " block " + (found + 1), m.group(1), sb.port());
            }
            found++;
        }
        assertThat(found).as("session blocks in the %s section", title).isGreaterThanOrEqualTo(1);
    }
}
