package dev.switchboard.server.nativeproto;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.server.Switchboard;
import dev.switchboard.server.identity.Acl;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Replays the {@code session} blocks of docs/messaging.md's publish/subscribe sections ("Publish/subscribe",
 * "Payloads", "Identity and permissions"; the request/reply section has its own test) against a
 * server started as the page says: {@code --topic-history 'orders.>=100'} and the page's own ACL
 * file, so the documented file format is the one the server reads.
 */
class MessagingPubSubDocTest {
    private static final Path DOC = Path.of("..", "docs", "messaging.md");
    private static final Set<String> SECTIONS = Set.of("Publish/subscribe", "Payloads", "Identity and permissions");
    private static final Pattern BLOCK = Pattern.compile("```session\\n(.*?)```", Pattern.DOTALL);
    private static final Pattern ACL_FILE = Pattern.compile("```json\\n(\\{\\n  \"identities\".*?)```", Pattern.DOTALL);

    /** The text of this test's sections, each with the line it starts on. */
    private static List<Object[]> sections(String doc) {
        List<Object[]> out = new ArrayList<>();
        String[] lines = doc.split("\n", -1);
        StringBuilder current = null;
        int start = 0;
        for (int i = 0; i <= lines.length; i++) {
            boolean heading = i == lines.length || lines[i].startsWith("## ");
            if (heading && current != null) {
                out.add(new Object[] {start, current.toString()});
                current = null;
            }
            if (i < lines.length && heading && SECTIONS.contains(lines[i].substring(3).strip())) {
                current = new StringBuilder();
                start = i + 1;
            }
            if (current != null && i < lines.length) current.append(lines[i]).append('\n');
        }
        return out;
    }

    static Stream<Arguments> blocks() throws IOException {
        String doc = Files.readString(DOC);
        List<Object[]> sections = sections(doc);
        assertThat(sections).as("the sections %s of docs/messaging.md", SECTIONS).hasSize(3);
        List<Arguments> out = new ArrayList<>();
        for (Object[] section : sections) {
            String text = (String) section[1];
            Matcher m = BLOCK.matcher(text);
            while (m.find()) {
                int line = (int) section[0] + text.substring(0, m.start()).split("\n", -1).length - 1;
                out.add(Arguments.of("messaging.md:" + line, m.group(1)));
            }
        }
        assertThat(out).as("session blocks in the publish/subscribe sections").hasSizeGreaterThanOrEqualTo(5);
        return out.stream();
    }

    static Acl documentedAcl() throws IOException {
        Matcher m = ACL_FILE.matcher(Files.readString(DOC));
        assertThat(m.find()).as("the example ACL file in docs/messaging.md").isTrue();
        return Acl.parse(m.group(1));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("blocks")
    void documentedExchangeMatchesServer(String where, String block) throws Exception {
        try (Switchboard sb = Switchboard.builder().port(0).topicHistory("orders.>=100").acl(documentedAcl()).start()) {
            ProtocolDocTest.replay(where, block, sb.port());
        }
    }
}
