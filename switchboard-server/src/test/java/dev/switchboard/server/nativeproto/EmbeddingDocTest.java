package dev.switchboard.server.nativeproto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.switchboard.core.session.store.SessionRecord;
import dev.switchboard.protocol.Payload;
import dev.switchboard.protocol.PayloadFields;
import dev.switchboard.server.Switchboard;
import dev.switchboard.server.embed.ConnectDecision;
import dev.switchboard.server.embed.DisconnectInfo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * The Java examples of docs/embedding.md, run against real clients: each {@code java} block of the
 * page must appear, line for line, in this file (between {@code // doc:start} and
 * {@code // doc:end}), so that the page shows only code that compiles and works.
 */
class EmbeddingDocTest {
    private static final Path DOC = Path.of("..", "docs", "embedding.md");
    private static final Path SOURCE = Path.of("src", "test", "java", "dev", "switchboard", "server", "nativeproto",
            "EmbeddingDocTest.java");

    @Test
    void hooksAndADurableStore() throws Exception {
        List<DisconnectInfo> departures = new CopyOnWriteArrayList<>();
        // doc:start
        Map<String, SessionRecord> database = new ConcurrentHashMap<>(); // the embedder's durable store
        Switchboard sb = Switchboard.builder()
                .port(0)
                .onConnect(c -> c.attributes().containsKey("server.banned")
                        ? ConnectDecision.refuse("banned", "this account is suspended")
                        : ConnectDecision.accept())
                .onDisconnect(departures::add)
                .onSessionCreated(s -> database.put(s.sessionId(), s.record()))
                .onSessionClosed(s -> database.remove(s.sessionId()))
                .sessionLookup(id -> Optional.ofNullable(database.get(id)))
                .start();
        // doc:end
        try (sb) {
            try (NativeClient c = NativeClient.lines(sb.port())) {
                String sessionId = c.request("{\"op\":\"hello\",\"id\":1,\"version\":1}", 1).path("session").asString();
                await().atMost(Duration.ofSeconds(5)).until(() -> database.containsKey(sessionId));
                // doc:start
                sb.setSessionAttributes(sessionId, Map.of("server.user", "ada"));
                database.put(sessionId, sb.sessions().record(sessionId).orElseThrow()); // saved with its attributes
                // doc:end
                assertThat(database.get(sessionId).attributes()).containsEntry("server.user", "ada");
            }
            // The node stays up until the server has seen the client's close: else the stop may come first.
            await().atMost(Duration.ofSeconds(5)).until(() -> departures.size() == 1);
            assertThat(departures.get(0).reason()).isEqualTo(DisconnectInfo.CLIENT_CLOSED);
        }
    }

    @Test
    void messagesCountsAndTasks() throws Exception {
        try (Switchboard sb = Switchboard.builder().port(0).start();
             NativeClient c = NativeClient.lines(sb.port())) {
            String sessionId = c.request("{\"op\":\"hello\",\"id\":1,\"version\":1}", 1).path("session").asString();
            // doc:start
            sb.sessions().send(sessionId, "chat.message", PayloadFields.fromValue(Map.of("from", "ada", "text", "hi")));
            int open = sb.sessions().activeSessions();
            int tabs = sb.sessions().connectionCount(sessionId);
            // doc:end
            assertThat(open).isEqualTo(1);
            assertThat(tabs).isEqualTo(1);
            JsonNode chat = c.read();
            assertThat(chat.at("/payload/text").asString()).isEqualTo("hi");

            // doc:start
            CompletionStage<Integer> items = sb.sessions().executeInSession(sessionId, session -> {
                int count = Integer.parseInt(session.attributes().getOrDefault("cart.items", "0")) + 1;
                session.setAttributes(Map.of("cart.items", String.valueOf(count)));
                session.send("cart.updated", Payload.ofUtf8(count + " items"));
                return count;
            });
            // doc:end
            assertThat(items.toCompletableFuture().get(5, TimeUnit.SECONDS)).isEqualTo(1);
            assertThat(c.read().path("op").asString()).isEqualTo("session.attributes");
            assertThat(c.read().path("payload").asString()).isEqualTo("1 items");

            // doc:start
            sb.sessions().closeSession(sessionId, "your account was suspended");
            // doc:end
            assertThat(c.read().at("/error/message").asString()).isEqualTo("your account was suspended");
        }
    }

    @Test
    void everyJavaBlockOfThePageIsInThisTest() throws Exception {
        List<String> tested = new ArrayList<>();
        Matcher inTest = Pattern.compile("// doc:start\\n(.*?)\\n\\s*// doc:end", Pattern.DOTALL)
                .matcher(Files.readString(SOURCE));
        while (inTest.find()) tested.add(normalize(inTest.group(1)));
        Matcher inDoc = Pattern.compile("```java\\n(.*?)```", Pattern.DOTALL).matcher(Files.readString(DOC));
        int blocks = 0;
        while (inDoc.find()) {
            blocks++;
            assertThat(tested).as("docs/embedding.md block %d is in EmbeddingDocTest", blocks).contains(normalize(inDoc.group(1)));
        }
        assertThat(blocks).isEqualTo(tested.size());
    }

    /** The lines without their common indentation and trailing blank lines. */
    private static String normalize(String code) {
        List<String> lines = List.of(code.stripTrailing().split("\n"));
        int indent = lines.stream().filter(l -> !l.isBlank()).mapToInt(l -> l.length() - l.stripLeading().length()).min().orElse(0);
        StringBuilder sb = new StringBuilder();
        for (String l : lines) sb.append(l.length() >= indent ? l.substring(indent) : l.strip()).append('\n');
        return sb.toString();
    }
}
