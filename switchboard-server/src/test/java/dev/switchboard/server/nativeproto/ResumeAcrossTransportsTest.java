package dev.switchboard.server.nativeproto;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.JsonNode;

/**
 * A native session can be resumed over every native transport, whichever created it: for each
 * creator (a TCP lines, TCP frames, Unix socket or WebSocket connection, or
 * {@code POST /api/v1/sessions}) and each resumer (the four connections with {@code hello}
 * {@code resume}, an SSE stream with the key and {@code Last-Event-ID}, a long-poll with the key),
 * the session listens, its creator goes, signals are published, and the resumer gets every missed
 * event once, in order, with its seq — then live ones — and acts on the same session.
 */
class ResumeAcrossTransportsTest {
    private static final String[] CREATORS = {"tcp", "tcp-frames", "unix", "websocket", "http"};
    private static final String[] RESUMERS = {"tcp", "tcp-frames", "unix", "websocket", "http-sse", "http-poll"};
    private static final int MISSED = 3;
    private static final AtomicInteger CHANNELS = new AtomicInteger();
    @RegisterExtension
    static final TestServer SERVER = TestServer.perClass();

    static Stream<Arguments> pairs() {
        List<Arguments> pairs = new ArrayList<>();
        for (String creator : CREATORS) {
            for (String resumer : RESUMERS) pairs.add(Arguments.of(creator, resumer));
        }
        return pairs.stream();
    }

    /** A session id with its key, and the channel it listens to. */
    private record Created(String session, String key, String channel) {
    }

    @ParameterizedTest(name = "created over {0}, resumed over {1}")
    @MethodSource("pairs")
    void everyMissedEventArrivesOnceInOrderAndTheSessionWorks(String creator, String resumer) throws Exception {
        String channel = "resume." + CHANNELS.incrementAndGet() + ".x";
        Created created = create(creator, channel);
        try {
            List<String> published = new ArrayList<>();
            for (int i = 1; i <= MISSED; i++) {
                String payload = creator + "-to-" + resumer + "-" + i;
                assertThat(DflockdLines.signal(SERVER.port(), created.channel(), payload)).isEqualTo("ok 1");
                published.add(payload);
            }
            switch (resumer) {
                case "http-sse" -> resumeOverSse(created, published);
                case "http-poll" -> resumeOverPoll(created, published);
                default -> resumeOverConnection(resumer, created, published);
            }
        } finally {
            // Each pair cleans up after itself; the delete over HTTP works whoever created the session.
            assertThat(HttpSessionClient.of(SERVER.port(), created.session(), created.key()).delete().status()).isEqualTo(204);
        }
    }

    /** Opens the session over {@code creator}, listens on {@code channel}, and lets the creating connection go. */
    private static Created create(String creator, String channel) throws Exception {
        if (creator.equals("http")) {
            HttpSessionClient s = HttpSessionClient.create(SERVER.port());
            assertThat(s.ok("signal.listen", "{\"pattern\":\"" + channel + "\"}").isEmpty()).isTrue();
            return new Created(s.session, s.key, channel);
        }
        Created created;
        try (NativeConn c = SERVER.open(creator)) {
            JsonNode welcome = c.hello(null);
            created = new Created(welcome.path("session").asString(), welcome.path("resume_key").asString(), channel);
            JsonNode listened = c.request("{\"op\":\"signal.listen\",\"id\":2,\"pattern\":\"" + channel + "\"}", 2);
            assertThat(listened.path("op").asString()).as(listened.toString()).isEqualTo("reply");
        }
        // The server has seen the connection go: what is published now is missed, not delivered.
        Awaitility.await("the session detached").atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(10))
                .until(() -> SERVER.view().session(created.session()).path("state").asString().equals("detached"));
        return created;
    }

    private static void resumeOverConnection(String resumer, Created created, List<String> published) throws Exception {
        try (NativeConn c = SERVER.open(resumer)) {
            JsonNode welcome = c.hello(NativeConn.resume(created.session(), created.key(), 0));
            assertThat(welcome.path("session").asString()).as(welcome.toString()).isEqualTo(created.session());
            assertThat(welcome.path("resumed").asBoolean()).as(welcome.toString()).isTrue();
            assertThat(welcome.path("recovered").asBoolean()).as(welcome.toString()).isTrue();
            List<JsonNode> events = new ArrayList<>();
            for (int i = 0; i < MISSED; i++) events.add(c.nextEvent());
            assertReplayed(events, published);

            String live = publishLive(created);
            JsonNode next = c.nextEvent();
            assertEvent(next, live, MISSED + 1);

            JsonNode info = c.request("{\"op\":\"session.info\",\"id\":9}", 9);
            assertThat(info.at("/result/session").asString()).as(info.toString()).isEqualTo(created.session());
            assertThat(info.at("/result/last_seq").asLong()).as(info.toString()).isEqualTo(MISSED + 1);
            JsonNode grant = c.request("{\"op\":\"lock.acquire\",\"id\":10,\"key\":\"" + created.session() + "\",\"timeout_ms\":0}", 10);
            assertThat(grant.at("/result/status").asString()).as(grant.toString()).isEqualTo("acquired");
            assertHeldBy(created.session());
        }
    }

    private static void resumeOverSse(Created created, List<String> published) throws Exception {
        HttpSessionClient s = HttpSessionClient.of(SERVER.port(), created.session(), created.key());
        try (HttpSessionClient.EventStream stream = s.events("0")) {
            List<JsonNode> events = new ArrayList<>();
            for (int i = 0; i < MISSED; i++) {
                HttpSessionClient.SseEvent e = stream.next();
                assertThat(e.id()).as("id of " + e).isEqualTo(e.data().path("seq").asString());
                assertThat(e.event()).as("event of " + e).isEqualTo("signal");
                events.add(e.data());
            }
            assertReplayed(events, published);

            String live = publishLive(created);
            assertEvent(stream.next().data(), live, MISSED + 1);
            actOverHttp(s, created);
        }
    }

    private static void resumeOverPoll(Created created, List<String> published) throws Exception {
        HttpSessionClient s = HttpSessionClient.of(SERVER.port(), created.session(), created.key());
        List<JsonNode> events = new ArrayList<>();
        long cursor = 0;
        while (events.size() < MISSED) {
            HttpSessionClient.Resp r = s.poll(cursor, 5000);
            assertThat(r.status()).as(r.toString()).isEqualTo(200);
            assertThat(r.json().has("gap")).as(r.toString()).isFalse();
            r.json().path("events").forEach(events::add);
            cursor = r.json().path("last_seq").asLong();
        }
        assertReplayed(events, published);

        String live = publishLive(created);
        HttpSessionClient.Resp r = s.poll(cursor, 5000);
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        assertThat(r.json().path("events").size()).as(r.toString()).isEqualTo(1);
        assertEvent(r.json().path("events").get(0), live, MISSED + 1);
        actOverHttp(s, created);
    }

    private static void actOverHttp(HttpSessionClient s, Created created) throws Exception {
        JsonNode info = s.ok("session.info", "{}");
        assertThat(info.path("session").asString()).as(info.toString()).isEqualTo(created.session());
        assertThat(info.path("last_seq").asLong()).as(info.toString()).isEqualTo(MISSED + 1);
        JsonNode grant = s.ok("lock.acquire", "{\"key\":\"" + created.session() + "\",\"timeout_ms\":0}");
        assertThat(grant.path("status").asString()).as(grant.toString()).isEqualTo("acquired");
        assertHeldBy(created.session());
    }

    /** Publishes one more signal on the session's channel while the resumer is attached; returns its payload. */
    private static String publishLive(Created created) throws Exception {
        String payload = "live-" + created.channel();
        assertThat(DflockdLines.signal(SERVER.port(), created.channel(), payload)).isEqualTo("ok 1");
        return payload;
    }

    private static void assertReplayed(List<JsonNode> events, List<String> published) {
        assertThat(events).hasSize(published.size());
        for (int i = 0; i < events.size(); i++) assertEvent(events.get(i), published.get(i), i + 1);
    }

    private static void assertEvent(JsonNode event, String payload, long seq) {
        assertThat(event.path("op").asString()).as(event.toString()).isEqualTo("signal");
        assertThat(event.path("payload").asString()).as(event.toString()).isEqualTo(payload);
        assertThat(event.path("seq").asLong()).as(event.toString()).isEqualTo(seq);
    }

    /** The lock named after the session is held by that session (stats' owner is its numeric id). */
    private static void assertHeldBy(String session) throws Exception {
        assertThat(SERVER.view().lock(session).path("owner_conn_id").asLong())
                .isEqualTo(SERVER.view().session(session).path("numeric_id").asLong());
    }
}
