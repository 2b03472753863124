package dev.switchboard.server.nativeproto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.switchboard.protocol.Payload;
import dev.switchboard.server.Switchboard;
import dev.switchboard.server.embed.UnknownSessionException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** executeInSession: the embedder's code takes turns with the session's requests, and what it emits reaches the clients. */
class ExecuteInSessionTest {
    private Switchboard sb;

    @BeforeEach
    void start() {
        sb = Switchboard.builder().host("127.0.0.1").port(0).shutdownTimeout(Duration.ofSeconds(1)).start();
    }

    @AfterEach
    void stop() {
        sb.close();
    }

    /** What a task saw of the request counter {@code r}, when it started and when it ended. */
    private record Seen(int task, int atStart, int atEnd) {
    }

    @Test
    void tasksAndTheSessionsRequestsSeeOneConsistentOrder() throws Exception {
        int tasks = 20;
        int requestsPerTask = 10;
        int requests = tasks * requestsPerTask;
        try (NativeClient c = NativeClient.lines(sb.port())) {
            String id = c.request("{\"op\":\"hello\",\"id\":0,\"version\":1}", 0).path("session").asString();
            Map<Integer, JsonNode> replies = new ConcurrentHashMap<>();
            CompletableFuture<Void> reader = CompletableFuture.runAsync(() -> {
                try {
                    while (replies.size() < requests) {
                        JsonNode m = c.read();
                        if (m.has("id")) replies.put(m.path("id").asInt(), m);
                    }
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            List<CompletableFuture<Seen>> seen = new ArrayList<>();
            int sent = 0;
            for (int k = 1; k <= tasks; k++) {
                int task = k;
                seen.add(sb.sessions().executeInSession(id, s -> {
                    int atStart = counter(s.attributes());
                    Thread.sleep(5); // requests that arrive meanwhile must wait for this task
                    int atEnd = counter(s.attributes());
                    s.setAttributes(Map.of("t", String.valueOf(task)));
                    return new Seen(task, atStart, atEnd);
                }).toCompletableFuture());
                // Sent after the call returned: each of these is handled after task k.
                for (int i = 0; i < requestsPerTask; i++) {
                    sent++;
                    c.send("{\"op\":\"session.set\",\"id\":" + sent + ",\"attributes\":{\"r\":\"" + sent + "\"}}");
                }
            }
            reader.get(10, TimeUnit.SECONDS);

            int lastT = 0;
            for (int j = 1; j <= requests; j++) {
                int t = Integer.parseInt(replies.get(j).at("/result/attributes/t").asString("0"));
                int callsBefore = (j - 1) / requestsPerTask + 1; // tasks called before request j was sent
                assertThat(t).as("request %d ran after the tasks called before it was sent", j).isGreaterThanOrEqualTo(callsBefore);
                assertThat(t).as("the order of requests and tasks is one order").isGreaterThanOrEqualTo(lastT);
                lastT = t;
            }
            for (CompletableFuture<Seen> f : seen) {
                Seen s = f.get(5, TimeUnit.SECONDS);
                assertThat(s.atEnd()).as("no request ran during task %d", s.task()).isEqualTo(s.atStart());
                if (s.atStart() > 0) {
                    assertThat(tOf(replies, s.atStart())).as("request %d ran before task %d", s.atStart(), s.task())
                            .isLessThan(s.task());
                }
                if (s.atStart() < requests) {
                    assertThat(tOf(replies, s.atStart() + 1)).as("request %d ran after task %d", s.atStart() + 1, s.task())
                            .isGreaterThanOrEqualTo(s.task());
                }
            }
        }
    }

    private static int counter(Map<String, String> attributes) {
        return Integer.parseInt(attributes.getOrDefault("r", "0"));
    }

    private static int tOf(Map<Integer, JsonNode> replies, int request) {
        return Integer.parseInt(replies.get(request).at("/result/attributes/t").asString("0"));
    }

    @Test
    void whatATaskEmitsReachesEveryConnectionOfTheSession() throws Exception {
        try (NativeClient first = NativeClient.lines(sb.port()); NativeClient second = NativeClient.lines(sb.port())) {
            JsonNode welcome = first.request("{\"op\":\"hello\",\"id\":0,\"version\":1}", 0);
            String id = welcome.path("session").asString();
            second.send("{\"op\":\"hello\",\"id\":0,\"version\":1,\"resume\":"
                    + NativeConn.resume(id, welcome.path("resume_key").asString(), 0) + "}");
            second.read();
            String result = sb.sessions().executeInSession(id, s -> {
                s.setAttributes(Map.of("server.stage", "checkout"));
                s.send("ui.update", Payload.ofUtf8("cart: 3 items"));
                return "done with " + s.connectionCount() + " connections";
            }).toCompletableFuture().get(5, TimeUnit.SECONDS);
            assertThat(result).isEqualTo("done with 2 connections");
            for (NativeClient c : List.of(first, second)) {
                JsonNode attributes = c.read();
                assertThat(attributes.path("op").asString()).isEqualTo("session.attributes");
                assertThat(attributes.at("/attributes/server.stage").asString()).isEqualTo("checkout");
                JsonNode update = c.read();
                assertThat(update.path("op").asString()).isEqualTo("notify");
                assertThat(update.path("name").asString()).isEqualTo("ui.update");
                assertThat(update.path("payload").asString()).isEqualTo("cart: 3 items");
                assertThat(update.path("seq").asLong()).isEqualTo(attributes.path("seq").asLong() + 1);
            }
        }
    }

    @Test
    void anUnknownSessionOrAThrowingTaskFailsTheStageAndTheSessionGoesOn() throws Exception {
        assertThatThrownBy(() -> sb.sessions().executeInSession("no-such-session", s -> 1).toCompletableFuture().get())
                .isInstanceOf(ExecutionException.class).cause()
                .isInstanceOf(UnknownSessionException.class).hasMessageContaining("no-such-session");
        try (NativeClient c = NativeClient.lines(sb.port())) {
            String id = c.request("{\"op\":\"hello\",\"id\":0,\"version\":1}", 0).path("session").asString();
            assertThatThrownBy(() -> sb.sessions().executeInSession(id, s -> {
                throw new IllegalStateException("the embedder's bug");
            }).toCompletableFuture().get(5, TimeUnit.SECONDS))
                    .cause().isInstanceOf(IllegalStateException.class).hasMessage("the embedder's bug");
            assertThat(c.request("{\"op\":\"ping\",\"id\":1}", 1).path("op").asString()).isEqualTo("pong");
            assertThat(sb.sessions().executeInSession(id, s -> s.id()).toCompletableFuture().get(5, TimeUnit.SECONDS))
                    .isEqualTo(id);
        }
    }
}
