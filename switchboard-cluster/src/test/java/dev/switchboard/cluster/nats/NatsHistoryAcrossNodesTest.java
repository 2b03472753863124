package dev.switchboard.cluster.nats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.switchboard.cluster.testing.NatsServer;
import dev.switchboard.cluster.testing.SharedEngines;
import dev.switchboard.core.pubsub.HistoryRule;
import dev.switchboard.core.pubsub.Signal;
import dev.switchboard.core.pubsub.Since;
import dev.switchboard.core.pubsub.StreamPosition;
import dev.switchboard.core.pubsub.Subscriber;
import dev.switchboard.core.pubsub.TopicHistories;
import dev.switchboard.core.pubsub.TopicPosition;
import dev.switchboard.protocol.Payload;
import io.nats.client.Connection;
import io.nats.client.JetStreamManagement;
import io.nats.client.Nats;
import io.nats.client.Options;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Topic history in JetStream seen from several nodes (each its own connection and NatsBroker) on one nats-server. */
class NatsHistoryAcrossNodesTest {
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final AtomicInteger PREFIXES = new AtomicInteger();
    private static NatsServer nats;
    private final List<NatsBroker> brokers = new ArrayList<>();
    private final List<Connection> connections = new ArrayList<>();
    private final NatsSubjects subjects = new NatsSubjects("hx" + PREFIXES.incrementAndGet());
    /** {@code orders.>} keeps 100 messages, {@code small.>} keeps 3. */
    private final TopicHistories histories = new TopicHistories(new TopicHistories.Settings(
            List.of(HistoryRule.parse("small.>=3"), HistoryRule.parse("orders.>=100")), 8L << 20, 0), System::currentTimeMillis);

    /** The run's shared nats-server; a test that stops NATS starts its own. */
    @BeforeAll
    static void startNats() {
        nats = SharedEngines.nats();
    }

    @AfterEach
    void closeNodes() throws InterruptedException {
        for (NatsBroker b : brokers) b.close();
        for (Connection c : connections) c.close();
    }

    private NatsBroker node(String id) {
        return node(id, nats, NatsBrokerSettings.DEFAULT_NATS_TIMEOUT);
    }

    private NatsBroker node(String id, NatsServer server, Duration natsTimeout) {
        return node(id, server, NatsBrokerSettings.defaults(0, histories).withNatsTimeout(natsTimeout));
    }

    private NatsBroker node(String id, NatsServer server, NatsBrokerSettings settings) {
        try {
            Connection c = Nats.connect(new Options.Builder().server(server.url()).connectionName(id)
                    .maxReconnects(-1).reconnectWait(Duration.ofMillis(50)).build());
            connections.add(c);
            NatsBroker b = new NatsBroker(c, id, subjects, settings, null);
            brokers.add(b);
            return b;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static <T> T done(CompletionStage<T> stage) throws Exception {
        return stage.toCompletableFuture().get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
    }

    private static StreamPosition publish(NatsBroker node, String topic, String text) throws Exception {
        return done(node.publish(topic, Payload.ofUtf8(text))).position();
    }

    /** Keeps every signal it is offered, with its position. */
    private static final class Positions implements Subscriber {
        final List<Signal> got = new CopyOnWriteArrayList<>();

        @Override
        public boolean offer(Signal signal) {
            got.add(signal);
            return true;
        }

        @Override
        public boolean offer(String channel, Payload payload) {
            throw new AssertionError("a topic with history is offered signals with their position");
        }

        @Override
        public void evictSlow() {
            throw new AssertionError("never full");
        }

        List<String> texts() {
            return got.stream().map(s -> s.payload().utf8()).toList();
        }

        List<Long> offsets() {
            return got.stream().map(s -> s.position().offset()).toList();
        }
    }

    private static List<Long> offsets(TopicPosition p) {
        return p.messages().stream().map(s -> s.position().offset()).toList();
    }

    private static List<String> texts(TopicPosition p) {
        return p.messages().stream().map(s -> s.payload().utf8()).toList();
    }

    @Test
    void publishedOnOneNodeTheHistoryReadOnAnotherHasTheSameOffsetsAndEpoch() throws Exception {
        NatsBroker a = node("a");
        NatsBroker b = node("b");
        Positions liveOnB = new Positions();
        done(b.subscribe(liveOnB, "orders.eu", "", null));

        StreamPosition p1 = publish(a, "orders.eu", "o1");
        StreamPosition p2 = publish(a, "orders.eu", "o2");
        publish(a, "orders.us", "elsewhere");
        StreamPosition p3 = publish(b, "orders.eu", "o3");

        assertThat(p1.epoch()).isNotEmpty().isEqualTo(p2.epoch()).isEqualTo(p3.epoch());
        assertThat(p2.offset()).isGreaterThan(p1.offset());
        assertThat(p3.offset()).isGreaterThan(p2.offset());
        TopicPosition onB = done(b.history("orders.eu", null, 0));
        assertThat(onB.recovered()).isTrue();
        assertThat(onB.epoch()).isEqualTo(p1.epoch());
        assertThat(texts(onB)).containsExactly("o1", "o2", "o3");
        assertThat(offsets(onB)).containsExactly(p1.offset(), p2.offset(), p3.offset());
        assertThat(onB.offset()).isEqualTo(p3.offset());
        TopicPosition onA = done(a.history("orders.eu", new Since(p1.offset(), p1.epoch()), 1));
        assertThat(offsets(onA)).as("a page of one after o1").containsExactly(p2.offset());
        // The live copies on B carry the same positions as the history (B's own o3 may reach its
        // subscriber before A's o2 does: live order across publishing nodes is not offset order).
        await().atMost(WAIT).until(() -> liveOnB.got.size() == 3);
        assertThat(liveOnB.offsets()).containsExactlyInAnyOrder(p1.offset(), p2.offset(), p3.offset());
    }

    @Test
    void aSubscriberResumingOnAnotherNodeGetsExactlyTheMissedMessagesThenLiveOnes() throws Exception {
        NatsBroker a = node("a");
        NatsBroker b = node("b");
        List<StreamPosition> sent = new ArrayList<>();
        for (int i = 1; i <= 5; i++) sent.add(publish(a, "orders.eu", "o" + i));

        Positions resumed = new Positions();
        StreamPosition handled = sent.get(1);
        TopicPosition p = done(b.subscribe(resumed, "orders.eu", "", new Since(handled.offset(), handled.epoch())));

        assertThat(p.recovered()).isTrue();
        assertThat(p.epoch()).isEqualTo(handled.epoch());
        assertThat(p.offset()).isEqualTo(sent.get(4).offset());
        assertThat(resumed.texts()).containsExactly("o3", "o4", "o5");
        StreamPosition live = publish(a, "orders.eu", "o6");
        await().atMost(WAIT).until(() -> resumed.got.size() == 4);
        assertThat(resumed.offsets()).containsExactly(sent.get(2).offset(), sent.get(3).offset(), sent.get(4).offset(), live.offset());
    }

    @Test
    void aResumeWhileAnotherNodeKeepsPublishingMissesNothingAndGetsNothingTwice() throws Exception {
        NatsBroker a = node("a");
        NatsBroker b = node("b");
        StreamPosition start = publish(a, "orders.busy", "m0");
        int total = 150;
        Thread publisher = new Thread(() -> {
            try {
                for (int i = 1; i <= total; i++) publish(a, "orders.busy", "m" + i);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        publisher.start();
        Positions resumed = new Positions();
        TopicPosition p = done(b.subscribe(resumed, "orders.busy", "", new Since(start.offset(), start.epoch())));
        publisher.join(WAIT.toMillis());

        assertThat(p.recovered()).as("from %s: %s first %s offset %s", start, p.epoch(), p.firstOffset(), p.offset()).isTrue();
        List<String> expected = new ArrayList<>();
        for (int i = 1; i <= total; i++) expected.add("m" + i);
        await().atMost(WAIT).until(() -> resumed.got.size() >= total);
        assertThat(resumed.texts()).as("backlog then live, each once, in order").isEqualTo(expected);
        assertThat(resumed.offsets()).isSorted().doesNotHaveDuplicates();
    }

    @Test
    void withThePublishingNodeGoneTheHistoryIsStillReadableAndResumableOnAnother() throws Exception {
        NatsBroker a = node("a");
        NatsBroker b = node("b");
        StreamPosition p1 = publish(a, "orders.eu", "o1");
        StreamPosition p2 = publish(a, "orders.eu", "o2");
        a.close();
        connections.get(0).close();

        TopicPosition read = done(b.history("orders.eu", null, 0));
        assertThat(read.recovered()).isTrue();
        assertThat(offsets(read)).containsExactly(p1.offset(), p2.offset());
        Positions resumed = new Positions();
        TopicPosition p = done(b.subscribe(resumed, "orders.eu", "", new Since(p1.offset(), p1.epoch())));
        assertThat(p.recovered()).isTrue();
        assertThat(resumed.texts()).containsExactly("o2");
        // A node started afterwards reads the same history.
        NatsBroker c = node("c");
        assertThat(offsets(done(c.history("orders.eu", new Since(0, ""), 0)))).containsExactly(p1.offset(), p2.offset());
    }

    @Test
    void theStreamLimitDropsTheOldestAndAPositionBeforeThemIsNotRecovered() throws Exception {
        NatsBroker a = node("a");
        NatsBroker b = node("b");
        List<StreamPosition> sent = new ArrayList<>();
        for (int i = 1; i <= 5; i++) {
            sent.add(publish(a, "small.t", "s" + i));
            publish(b, "small.other", "x" + i); // same stream: the offsets of small.t get holes
        }

        TopicPosition all = done(b.history("small.t", null, 0));
        assertThat(texts(all)).as("the rule keeps 3").containsExactly("s3", "s4", "s5");
        assertThat(all.firstOffset()).isEqualTo(sent.get(2).offset());

        Positions behind = new Positions();
        StreamPosition first = sent.get(0);
        TopicPosition p = done(b.subscribe(behind, "small.t", "", new Since(first.offset(), first.epoch())));
        assertThat(p.recovered()).as("s2 was dropped").isFalse();
        assertThat(p.firstOffset()).isEqualTo(sent.get(2).offset());
        assertThat(behind.texts()).containsExactly("s3", "s4", "s5");

        // Holding s2, nothing after it was dropped: recovered, though offsets have holes.
        StreamPosition second = sent.get(1);
        TopicPosition fromSecond = done(b.history("small.t", new Since(second.offset(), second.epoch()), 0));
        assertThat(fromSecond.recovered()).isTrue();
        assertThat(texts(fromSecond)).containsExactly("s3", "s4", "s5");
        // From the very start: s1 and s2 are gone.
        assertThat(done(b.history("small.t", Since.START, 0)).recovered()).isFalse();
    }

    @Test
    void aStreamMadeAgainIsANewEpochAndOldPositionsAreNotRecovered() throws Exception {
        NatsBroker a = node("a");
        StreamPosition before = publish(a, "orders.eu", "o1");
        JetStreamManagement jsm = connections.get(0).jetStreamManagement();
        for (String name : jsm.getStreamNames()) {
            if (name.startsWith(subjects.prefix() + "_history_")) jsm.deleteStream(name);
        }
        NatsBroker b = node("b"); // makes the streams again at its start

        StreamPosition after = publish(b, "orders.eu", "o2");
        assertThat(after.epoch()).isNotEqualTo(before.epoch());
        StreamPosition fromA = publish(a, "orders.eu", "o3");
        assertThat(fromA.epoch()).as("A learns the new epoch from the topic's last message").isEqualTo(after.epoch());
        TopicPosition p = done(a.history("orders.eu", new Since(before.offset(), before.epoch()), 0));
        assertThat(p.recovered()).isFalse();
        assertThat(p.epoch()).as("a reader learns the new epoch").isEqualTo(after.epoch());
        assertThat(texts(p)).containsExactly("o2", "o3");
    }

    @Test
    void aPositionOfAnotherEpochIsNotRecovered() throws Exception {
        NatsBroker a = node("a");
        StreamPosition p1 = publish(a, "orders.eu", "o1");
        TopicPosition p = done(a.history("orders.eu", new Since(p1.offset(), "0f0f0f0f"), 0));
        assertThat(p.recovered()).isFalse();
        assertThat(texts(p)).containsExactly("o1");
        assertThat(p.epoch()).isEqualTo(p1.epoch());
    }

    @Test
    void withNatsDownHistoryOperationsFailExplicitlyAndQuickly() throws Exception {
        try (NatsServer own = NatsServer.started()) {
            NatsBroker a = node("a", own, Duration.ofMillis(500));
            publish(a, "orders.eu", "o1");
            own.stop();
            await().atMost(WAIT).until(() -> connections.get(connections.size() - 1).getStatus() != Connection.Status.CONNECTED);

            long t0 = System.nanoTime();
            assertThatThrownBy(() -> a.publish("orders.eu", Payload.ofUtf8("o2")).toCompletableFuture().get(WAIT.toSeconds(), TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class).hasCauseInstanceOf(HistoryUnavailableException.class);
            assertThatThrownBy(() -> a.history("orders.eu", null, 0).toCompletableFuture().get(WAIT.toSeconds(), TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class).hasCauseInstanceOf(HistoryUnavailableException.class);
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).as("bounded by the NATS timeout").isLessThan(WAIT);
        }
    }

    @Test
    void withJetStreamGoneAPublishReturnsAtOnceAndPastTheBoundIsRefusedAtOnceTheRestFailingWithinTheTimeout() throws Exception {
        try (NatsServer own = NatsServer.started()) {
            NatsBroker a = node("a", own, NatsBrokerSettings.defaults(0, histories)
                    .withNatsTimeout(Duration.ofMillis(1_000)).withHistoryPending(3));
            List<String> limitHits = new CopyOnWriteArrayList<>();
            a.onLimitHit(limitHits::add);
            publish(a, "orders.eu", "o1");
            own.stop();
            await().atMost(WAIT).until(() -> connections.get(connections.size() - 1).getStatus() != Connection.Status.CONNECTED);

            // Ten publishes and a history read: the calling thread never waits for JetStream.
            List<java.util.concurrent.CompletableFuture<?>> stages = new ArrayList<>();
            long t0 = System.nanoTime();
            for (int i = 0; i < 10; i++) stages.add(a.publish("orders.eu", Payload.ofUtf8("p" + i)).toCompletableFuture());
            stages.add(a.history("orders.eu", null, 0).toCompletableFuture());
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).as("eleven calls, none waiting for JetStream")
                    .isLessThan(Duration.ofMillis(500));
            assertThat(a.historyPending()).isEqualTo(3);

            // Past the bound: refused at once, explicitly, and counted.
            for (java.util.concurrent.CompletableFuture<?> refused : stages.subList(3, stages.size())) {
                assertThat(refused).isCompletedExceptionally();
                assertThatThrownBy(refused::join).hasCauseInstanceOf(HistoryBacklogFullException.class)
                        .hasMessageContaining("--cluster-history-max-pending");
            }
            assertThat(a.historyRefused()).isEqualTo(8);
            assertThat(limitHits).hasSize(8).containsOnly("cluster_history_max_pending");

            // Within the bound: each fails once JetStream has not answered in time; delivered nowhere.
            for (java.util.concurrent.CompletableFuture<?> waiting : stages.subList(0, 3)) {
                assertThatThrownBy(() -> waiting.get(WAIT.toSeconds(), TimeUnit.SECONDS))
                        .isInstanceOf(ExecutionException.class).hasCauseInstanceOf(HistoryUnavailableException.class);
            }
            await().atMost(WAIT).until(() -> a.historyPending() == 0);
        }
    }
}
