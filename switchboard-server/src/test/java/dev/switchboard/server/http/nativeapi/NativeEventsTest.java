package dev.switchboard.server.http.nativeapi;

import static dev.switchboard.server.http.nativeapi.NativeHttp.assertError;
import static dev.switchboard.server.http.nativeapi.NativeHttp.assertNoContent;
import static dev.switchboard.server.http.nativeapi.NativeHttp.key;
import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.server.Switchboard;
import dev.switchboard.server.http.nativeapi.NativeHttp.Resp;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * A session's events over SSE and long-poll, on a server that buffers {@value #BUFFER} events per
 * session: ids are sequence numbers, a resume delivers the missed events once and in order, lost
 * events are reported as a gap, and several readers at once.
 */
class NativeEventsTest {
    private static final int BUFFER = 4;
    private static Switchboard sb;
    private static NativeHttp http;

    @BeforeAll
    static void start() {
        sb = NativeHttp.config().replayBufferMessages(BUFFER).start();
        http = new NativeHttp(sb.port());
    }

    @AfterAll
    static void stop() {
        if (sb != null) sb.close();
    }

    /** A listening session and a publisher for it, on a channel of its own. */
    private record Pair(String listener, String publisher, String channel) {
        void publish(String payload) {
            http.publish(publisher, channel, payload, 1);
        }
    }

    private static Pair pair() {
        String channel = key("ch");
        String listener = http.createSession();
        http.listen(listener, channel);
        return new Pair(listener, http.createSession(), channel);
    }

    private static void assertSignal(SseClient.Event e, long seq, String channel, String payload) {
        assertThat(e.id()).as("id of " + e).isEqualTo(String.valueOf(seq));
        assertThat(e.event()).as("event of " + e).isEqualTo("signal");
        JsonNode j = e.json();
        assertThat(j.path("op").asString()).isEqualTo("signal");
        assertThat(j.path("seq").asLong()).as("seq of " + e).isEqualTo(seq);
        assertThat(j.path("channel").asString()).isEqualTo(channel);
        assertThat(j.path("payload").asString()).isEqualTo(payload);
    }

    // ---- SSE ---------------------------------------------------------------------------------------

    @Test
    void sseEventIdsAreTheSequenceNumbers() {
        Pair p = pair();
        try (SseClient sse = SseClient.open(sb.port(), p.listener(), null)) {
            assertThat(sse.response.statusCode()).isEqualTo(200);
            assertThat(sse.response.headers().firstValue("Content-Type")).hasValue("text/event-stream");
            assertThat(sse.response.headers().firstValue("Cache-Control")).hasValue("no-cache");
            sse.expectRetry();
            p.publish("one");
            p.publish("two");
            assertSignal(sse.next(), 1, p.channel(), "one");
            assertSignal(sse.next(), 2, p.channel(), "two");
        }
    }

    @Test
    void lastEventIdResumeDeliversTheMissedEventsOnceAndInOrder() {
        Pair p = pair();
        try (SseClient sse = SseClient.open(sb.port(), p.listener(), null)) {
            sse.expectRetry();
            p.publish("e1");
            p.publish("e2");
            assertSignal(sse.next(), 1, p.channel(), "e1");
            assertSignal(sse.next(), 2, p.channel(), "e2");
        }
        // Published while no stream is open.
        p.publish("e3");
        p.publish("e4");
        p.publish("e5");
        try (SseClient sse = SseClient.open(sb.port(), p.listener(), "2")) {
            sse.expectRetry();
            assertSignal(sse.next(), 3, p.channel(), "e3");
            assertSignal(sse.next(), 4, p.channel(), "e4");
            assertSignal(sse.next(), 5, p.channel(), "e5");
            p.publish("e6");
            assertSignal(sse.next(), 6, p.channel(), "e6");
            // Nothing else follows (no clock to move here: a duplicate would already be on its way).
            sse.expectNoEventFor(Duration.ofMillis(150));
        }
        // Resuming after 6 sends nothing old again.
        try (SseClient sse = SseClient.open(sb.port(), p.listener(), "6")) {
            sse.expectRetry();
            // Nothing old is sent again: the first event of the stream is the one published after it opened.
            p.publish("e7");
            assertSignal(sse.next(), 7, p.channel(), "e7");
        }
    }

    @Test
    void lastEventIdAlsoWorksAsAQueryParameterAndTheHeaderWins() {
        Pair p = pair();
        p.publish("a");
        p.publish("b");
        p.publish("c");
        String events = NativeHttp.API + "/sessions/" + p.listener() + "/events";
        assertError(http.send("GET", events + "?last_event_id=x", null), 400, "invalid_argument");
        try (SseClient sse = SseClient.openPath(sb.port(), events + "?last_event_id=1", null)) {
            sse.expectRetry();
            assertSignal(sse.next(), 2, p.channel(), "b");
            assertSignal(sse.next(), 3, p.channel(), "c");
        }
        try (SseClient sse = SseClient.openPath(sb.port(), events + "?last_event_id=1", "2")) {
            sse.expectRetry();
            assertSignal(sse.next(), 3, p.channel(), "c");
            // Nothing else: the next event of the stream is the one published now.
            p.publish("d");
            assertSignal(sse.next(), 4, p.channel(), "d");
        }
    }

    @Test
    void sseReportsAGapWhenMoreEventsThanTheBufferWereMissed() {
        Pair p = pair();
        for (int i = 1; i <= BUFFER + 3; i++) p.publish("m" + i);
        // Events 1..3 were dropped from the buffer of 4; the stream says so, then sends 4..7.
        try (SseClient sse = SseClient.open(sb.port(), p.listener(), "0")) {
            sse.expectRetry();
            SseClient.Event gap = sse.next();
            assertThat(gap.id()).as("a gap has no id").isNull();
            assertThat(gap.event()).isEqualTo("gap");
            assertThat(gap.json().toString()).isEqualTo("{\"op\":\"gap\",\"after\":0,\"first_available\":4}");
            for (int seq = 4; seq <= BUFFER + 3; seq++) assertSignal(sse.next(), seq, p.channel(), "m" + seq);
            // Nothing else: the next event of the stream is the one published now.
            p.publish("end");
            assertSignal(sse.next(), BUFFER + 4, p.channel(), "end");
        }
    }

    // ---- long-poll ---------------------------------------------------------------------------------

    @Test
    void pollReturnsPendingEventsAndAcknowledgesByCursor() {
        Pair p = pair();
        p.publish("x1");
        p.publish("x2");
        Resp r = http.poll(p.listener(), 0, 5000);
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        JsonNode j = r.json();
        assertThat(j.has("gap")).isFalse();
        assertThat(j.path("last_seq").asLong()).isEqualTo(2);
        assertThat(payloads(j)).containsExactly("x1", "x2");
        assertThat(j.path("events").path(0).path("seq").asLong()).isEqualTo(1);
        assertThat(j.path("events").path(1).path("seq").asLong()).isEqualTo(2);

        // Not acknowledged yet: the same cursor returns them again.
        assertThat(payloads(http.poll(p.listener(), 0, 0).json())).containsExactly("x1", "x2");
        // Acknowledged: nothing is pending any more.
        assertNoContent(http.poll(p.listener(), 2, 0));
        p.publish("x3");
        JsonNode next = http.poll(p.listener(), 2, 5000).json();
        assertThat(payloads(next)).containsExactly("x3");
        assertThat(next.path("last_seq").asLong()).isEqualTo(3);
        assertNoContent(http.poll(p.listener(), 3, 0));
    }

    /**
     * Events the client acknowledged were not dropped from the bounded buffer: a reader that
     * starts without a cursor afterwards (a new EventSource, a restarted poller) gets no gap,
     * only the events not yet acknowledged.
     */
    @Test
    void acknowledgedEventsAreNotReportedAsAGap() {
        Pair p = pair();
        p.publish("y1");
        p.publish("y2");
        assertThat(payloads(http.poll(p.listener(), 0, 5000).json())).containsExactly("y1", "y2");
        assertNoContent(http.poll(p.listener(), 2, 0)); // acknowledges 1 and 2
        p.publish("y3");
        try (SseClient sse = SseClient.open(sb.port(), p.listener(), null)) {
            sse.expectRetry();
            SseClient.Event first = sse.next();
            assertThat(first.event()).as("first event of a stream opened without Last-Event-ID after 1..2 were acknowledged: " + first)
                    .isEqualTo("signal");
            assertSignal(first, 3, p.channel(), "y3");
        }
        JsonNode j = http.poll(p.listener(), 0, 0).json();
        assertThat(j.has("gap")).as("a poll from after=0 once 1..2 were acknowledged: " + j).isFalse();
        assertThat(payloads(j)).containsExactly("y3");
    }

    @Test
    void aWaitingPollIsAnsweredByTheNextEvent() {
        Pair p = pair();
        CompletableFuture<Resp> waiting = http.pollAsync(p.listener(), 0, 20_000);
        // The poll waits, attached to the session: it is not answered before the event.
        awaitConnections(p.listener(), 1);
        assertThat(waiting).as("a poll with nothing pending waits").isNotDone();
        p.publish("late");
        Resp r = NativeHttp.join(waiting, Duration.ofSeconds(10));
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        assertThat(payloads(r.json())).containsExactly("late");
        assertThat(r.json().path("last_seq").asLong()).isEqualTo(1);
    }

    @Test
    void aPollThatGetsNothingAnswers204AfterItsTimeout() {
        Pair p = pair();
        assertNoContent(http.poll(p.listener(), 0, 300));
        assertNoContent(http.poll(p.listener(), 0, 0));
        assertError(http.send("GET", NativeHttp.API + "/sessions/" + p.listener() + "/poll?after=-1", null), 400, "invalid_argument");
        assertError(http.send("GET", NativeHttp.API + "/sessions/" + p.listener() + "/poll?timeout_ms=soon", null), 400, "invalid_argument");
    }

    @Test
    void pollReportsAGap() {
        Pair p = pair();
        for (int i = 1; i <= BUFFER + 2; i++) p.publish("g" + i);
        JsonNode j = http.poll(p.listener(), 0, 0).json();
        assertThat(j.path("gap").toString()).isEqualTo("{\"after\":0,\"first_available\":3}");
        assertThat(payloads(j)).containsExactly("g3", "g4", "g5", "g6");
        assertThat(j.path("last_seq").asLong()).isEqualTo(BUFFER + 2);
        assertNoContent(http.poll(p.listener(), BUFFER + 2, 0));
    }

    // ---- several readers at once --------------------------------------------------------------------

    /** Readers are connections of the session, as on TCP or WebSocket: each gets every event. */
    @Test
    void twoStreamsOfOneSessionBothReceive() {
        Pair p = pair();
        try (SseClient first = SseClient.open(sb.port(), p.listener(), null);
             SseClient second = SseClient.open(sb.port(), p.listener(), null)) {
            first.expectRetry();
            second.expectRetry();
            awaitConnections(p.listener(), 2);
            p.publish("to-both");
            assertSignal(first.next(), 1, p.channel(), "to-both");
            assertSignal(second.next(), 1, p.channel(), "to-both");
        }
    }

    @Test
    void aWaitingPollAndAStreamBothReceive() {
        Pair p = pair();
        try (SseClient sse = SseClient.open(sb.port(), p.listener(), null)) {
            sse.expectRetry();
            CompletableFuture<Resp> poll = http.pollAsync(p.listener(), 0, 20_000);
            awaitConnections(p.listener(), 2); // the stream, and the poll waiting
            assertThat(poll).isNotDone();
            p.publish("to-poll-and-stream");
            assertThat(payloads(NativeHttp.join(poll, Duration.ofSeconds(10)).json())).containsExactly("to-poll-and-stream");
            assertSignal(sse.next(), 1, p.channel(), "to-poll-and-stream");
        }
        awaitConnections(p.listener(), 0);
    }

    @Test
    void twoWaitingPollsAreBothAnswered() {
        Pair p = pair();
        CompletableFuture<Resp> one = http.pollAsync(p.listener(), 0, 20_000);
        CompletableFuture<Resp> two = http.pollAsync(p.listener(), 0, 20_000);
        awaitConnections(p.listener(), 2);
        p.publish("to-polls");
        assertThat(payloads(NativeHttp.join(one, Duration.ofSeconds(10)).json())).containsExactly("to-polls");
        assertThat(payloads(NativeHttp.join(two, Duration.ofSeconds(10)).json())).containsExactly("to-polls");
    }

    /** Waits until the session reports {@code n} attached connections (streams and waiting polls). */
    private static void awaitConnections(String session, int n) {
        org.awaitility.Awaitility.await("session " + session + " has " + n + " connections").atMost(Duration.ofSeconds(5))
                .until(() -> http.op(session, "session.info", null).json().path("connections").asInt() == n);
    }

    private static List<String> payloads(JsonNode poll) {
        List<String> out = new ArrayList<>();
        for (JsonNode e : poll.path("events")) {
            assertThat(e.path("op").asString()).isEqualTo("signal");
            out.add(e.path("payload").asString());
        }
        return out;
    }

}
