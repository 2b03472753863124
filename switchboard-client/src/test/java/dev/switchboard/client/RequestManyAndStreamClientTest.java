package dev.switchboard.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.switchboard.protocol.Payload;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Request-many and streams through the Java client, against a real server. */
class RequestManyAndStreamClientTest {
    private static final Duration LONG = Duration.ofSeconds(20);
    private static final AtomicInteger NAMES = new AtomicInteger();

    @RegisterExtension
    static final LiveServer SERVER = new LiveServer();

    /** A name of this test's own (a new instance per test). */
    private final String name = "many" + NAMES.incrementAndGet() + ".count";

    // ---- request-many ---------------------------------------------------------------------------

    @Test
    void everyMemberAnswersAndASlowOneIsATimeoutAtTheDeadline() {
        SwitchboardClient a = SERVER.client();
        SwitchboardClient b = SERVER.client();
        SwitchboardClient slow = SERVER.client();
        SwitchboardClient caller = SERVER.client();
        a.serve(name, req -> CompletableFuture.completedFuture(Payload.ofUtf8("a:" + req.payload().utf8())));
        b.serve(name, req -> {
            throw new ServiceError("not_stocked", "none here");
        });
        slow.serve(name, req -> new CompletableFuture<>());

        long started = System.nanoTime();
        List<MemberReply> replies = caller.requestMany(name, Payload.ofUtf8("sku"), Duration.ofMillis(700), 0);
        Duration took = Duration.ofNanos(System.nanoTime() - started);

        assertThat(took).as("at the deadline, not much later").isBetween(Duration.ofMillis(600), Duration.ofSeconds(3));
        Map<String, MemberReply> byMember = replies.stream().collect(Collectors.toMap(MemberReply::member, Function.identity()));
        assertThat(byMember).containsOnlyKeys(a.sessionId(), b.sessionId(), slow.sessionId());
        assertThat(byMember.get(a.sessionId()).ok()).isTrue();
        assertThat(byMember.get(a.sessionId()).payload().utf8()).isEqualTo("a:sku");
        RpcException refused = byMember.get(b.sessionId()).error();
        assertThat(refused.code()).isEqualTo("not_stocked");
        assertThat(refused.isApplicationError()).isTrue();
        assertThat(byMember.get(slow.sessionId()).error().code()).isEqualTo("timeout");
        assertThat(byMember.get(slow.sessionId()).error().isApplicationError()).isFalse();
        assertThat(replies).allSatisfy(r -> assertThat(r.target()).isEqualTo(name));
    }

    @Test
    void maxRepliesAnswersWithTheFirstReplies() {
        SwitchboardClient fast = SERVER.client();
        SwitchboardClient silent = SERVER.client();
        SwitchboardClient caller = SERVER.client();
        fast.serve(name, req -> CompletableFuture.completedFuture(Payload.ofUtf8("fast")));
        silent.serve(name, req -> new CompletableFuture<>());
        long started = System.nanoTime();
        List<MemberReply> replies = caller.requestMany(name, Payload.ofUtf8("q"), LONG, 1);
        assertThat(Duration.ofNanos(System.nanoTime() - started)).as("without waiting for the silent member")
                .isLessThan(Duration.ofSeconds(10));
        assertThat(replies).hasSize(1);
        assertThat(replies.get(0).member()).isEqualTo(fast.sessionId());
        assertThat(replies.get(0).payload().utf8()).isEqualTo("fast");
    }

    @Test
    void aListOfTargetsAndANameNobodyServes() {
        SwitchboardClient backend = SERVER.client();
        SwitchboardClient caller = SERVER.client();
        backend.serve(name, req -> CompletableFuture.completedFuture(Payload.ofUtf8("here")));
        List<MemberReply> replies = caller.requestMany(List.of(name, name + ".nobody"), Payload.ofUtf8("x"), LONG, 0);
        assertThat(replies).extracting(MemberReply::target).containsExactly(name, name + ".nobody");
        assertThat(replies.get(0).payload().utf8()).isEqualTo("here");
        assertThat(replies.get(1).member()).isNull();
        assertThat(replies.get(1).error().code()).isEqualTo("no_responders");

        assertThatThrownBy(() -> caller.requestMany(name + ".nobody", Payload.ofUtf8("x"), LONG, 0))
                .isInstanceOfSatisfying(RpcException.class, e -> assertThat(e.code()).isEqualTo("no_responders"));
    }

    // ---- streams --------------------------------------------------------------------------------

    @Test
    void aThousandChunksArriveInOrderBeforeTheFinalPayload() {
        SwitchboardClient backend = SERVER.client();
        SwitchboardClient caller = SERVER.client();
        int chunks = 1000;
        AtomicInteger unanswered = new AtomicInteger();
        AtomicInteger mostUnanswered = new AtomicInteger();
        backend.serve(name, req -> {
            assertThat(req.streaming()).isTrue();
            // Two chunks in flight at a time: each next one goes once an earlier one was taken.
            CompletableFuture<Void> even = sendFrom(req.stream(), 0, chunks, unanswered, mostUnanswered);
            CompletableFuture<Void> odd = sendFrom(req.stream(), 1, chunks, unanswered, mostUnanswered);
            return CompletableFuture.allOf(even, odd).thenApply(v -> Payload.ofUtf8("rows=" + chunks));
        });
        List<String> received = new CopyOnWriteArrayList<>();
        Payload last = caller.requestStream(name, Payload.ofUtf8("q"), LONG, p -> received.add(p.utf8()));
        assertThat(last.utf8()).isEqualTo("rows=" + chunks);
        assertThat(received).as("every chunk, before the final payload").hasSize(chunks);
        // Two interleaved senders: each one's chunks keep their order.
        List<Integer> evens = received.stream().map(Integer::parseInt).filter(i -> i % 2 == 0).toList();
        assertThat(evens).isSorted().hasSize(chunks / 2);
        assertThat(mostUnanswered.get()).as("chunks unanswered at once").isBetween(1, 2);
    }

    @Test
    void eachStreamEndsAsSoonAsItsFinalPayloadComes() {
        SwitchboardClient backend = SERVER.client();
        SwitchboardClient caller = SERVER.client();
        backend.serve(name, req -> req.stream().send(Payload.ofUtf8("row")).thenApply(v -> Payload.ofUtf8("end")));
        // The final payload is handed over on the callback executor, after the chunks, while the
        // caller may be reading the connection itself: it must wake the caller, not wait for the
        // next byte the server sends (its heartbeat, seconds later).
        for (int i = 0; i < 30; i++) {
            List<String> received = new CopyOnWriteArrayList<>();
            long started = System.nanoTime();
            Payload last = caller.requestStream(name, Payload.ofUtf8("q"), LONG, p -> received.add(p.utf8()));
            Duration took = Duration.ofNanos(System.nanoTime() - started);
            assertThat(last.utf8()).isEqualTo("end");
            assertThat(received).containsExactly("row");
            assertThat(took).as("call %d ended when its answer came, not at a later wake-up", i).isLessThan(Duration.ofSeconds(3));
        }
    }

    /** Sends {@code first}, {@code first + 2}, ... each after the previous one was taken. */
    private static CompletableFuture<Void> sendFrom(ReplyStream stream, int first, int end, AtomicInteger unanswered,
                                                    AtomicInteger most) {
        if (first >= end) return CompletableFuture.completedFuture(null);
        most.accumulateAndGet(unanswered.incrementAndGet(), Math::max);
        return stream.send(Payload.ofUtf8(String.valueOf(first))).thenCompose(v -> {
            unanswered.decrementAndGet();
            return sendFrom(stream, first + 2, end, unanswered, most);
        });
    }

    @Test
    void anErrorEndsTheStreamAfterItsChunks() {
        SwitchboardClient backend = SERVER.client();
        SwitchboardClient caller = SERVER.client();
        backend.serve(name, req -> req.stream().send(Payload.ofUtf8("one"))
                .thenCompose(v -> req.stream().send(Payload.ofUtf8("two")))
                .thenApply(v -> {
                    throw new ServiceError("source_broken", "the source broke");
                }));
        List<String> received = new CopyOnWriteArrayList<>();
        assertThatThrownBy(() -> caller.requestStream(name, Payload.ofUtf8("q"), LONG, p -> received.add(p.utf8())))
                .isInstanceOfSatisfying(RpcException.class, e -> {
                    assertThat(e.code()).isEqualTo("source_broken");
                    assertThat(e.isApplicationError()).isTrue();
                });
        assertThat(received).containsExactly("one", "two");
    }

    @Test
    void whenTheCallerGoesTheNextChunkFailsUnknownRequest() {
        SwitchboardClient backend = SERVER.client();
        SwitchboardClient caller = SwitchboardClient.connect("127.0.0.1", SERVER.port());
        CompletableFuture<Throwable> stopped = new CompletableFuture<>();
        CompletableFuture<Void> firstTaken = new CompletableFuture<>();
        backend.serve(name, req -> {
            keepSending(req.stream(), 0, firstTaken, stopped);
            return new CompletableFuture<>();
        });
        caller.requestStreamAsync(name, Payload.ofUtf8("q"), LONG, p -> { });
        firstTaken.join();
        caller.close();
        await().atMost(Duration.ofSeconds(10)).until(stopped::isDone);
        assertThat(stopped.join()).isInstanceOfSatisfying(SwitchboardException.class,
                e -> assertThat(e.code()).isEqualTo("unknown_request"));
        assertThat(backend.isConnected()).isTrue();
    }

    private static void keepSending(ReplyStream stream, int n, CompletableFuture<Void> firstTaken,
                                    CompletableFuture<Throwable> stopped) {
        CompletionStage<Void> sent = stream.send(Payload.ofUtf8("chunk " + n));
        sent.whenComplete((v, e) -> {
            if (e != null) {
                stopped.complete(e instanceof java.util.concurrent.CompletionException && e.getCause() != null ? e.getCause() : e);
                return;
            }
            firstTaken.complete(null);
            if (n < 100_000) keepSending(stream, n + 1, firstTaken, stopped);
        });
    }

    @Test
    void aRequestThatAskedForNoStreamHasNone() {
        SwitchboardClient backend = SERVER.client();
        SwitchboardClient caller = SERVER.client();
        backend.serve(name, req -> CompletableFuture.completedFuture(Payload.ofUtf8(req.streaming() + "/" + req.stream())));
        assertThat(caller.request(name, Payload.ofUtf8("x"), LONG).utf8()).isEqualTo("false/null");
    }
}
