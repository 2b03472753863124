package dev.switchboard.cluster.nats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.switchboard.cluster.testing.NatsServer;
import dev.switchboard.cluster.testing.SharedEngines;
import dev.switchboard.core.pubsub.PublishResult;
import dev.switchboard.core.pubsub.SubscribeResult;
import dev.switchboard.core.pubsub.TopicHistories;
import dev.switchboard.protocol.Payload;
import dev.switchboard.protocol.PayloadFields;
import io.nats.client.Connection;
import io.nats.client.Nats;
import io.nats.client.Options;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Several nodes (each its own NATS connection, node id and NatsBroker) on one nats-server. */
class NatsBrokerAcrossNodesTest {
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final AtomicInteger PREFIXES = new AtomicInteger();
    private static NatsServer nats;
    private final List<NatsBroker> brokers = new ArrayList<>();
    private final List<Connection> connections = new ArrayList<>();
    /** Each test's nodes have a prefix of their own: tests do not hear each other. */
    private final NatsSubjects subjects = new NatsSubjects("x" + PREFIXES.incrementAndGet());

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
        return node(id, nats, NatsBrokerSettings.defaults(0, TopicHistories.none()));
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

    private static Inbox listen(NatsBroker node, String name, String pattern, String group) throws Exception {
        Inbox inbox = new Inbox(name);
        assertThat(done(node.subscribe(inbox, pattern, group))).isEqualTo(SubscribeResult.SUBSCRIBED);
        return inbox;
    }

    private static int publish(NatsBroker node, String channel, String text) throws Exception {
        return done(node.publish(channel, Payload.ofUtf8(text))).delivered();
    }

    @Test
    void aPublicationReachesTheOtherNodesWildcardsTooAndItsOwnNodeOnce() throws Exception {
        NatsBroker a = node("a");
        NatsBroker b = node("b");
        NatsBroker c = node("c");
        Inbox onA = listen(a, "onA", "orders.eu", "");
        Inbox onB = listen(b, "onB", "orders.*", "");
        assertThat(done(b.subscribe(onB, "orders.>", ""))).isEqualTo(SubscribeResult.SUBSCRIBED);
        Inbox onC = listen(c, "onC", ">", "");
        Inbox elsewhere = listen(c, "elsewhere", "orders.us", "");

        assertThat(publish(a, "orders.eu", "m1")).as("the count is this node's").isEqualTo(1);
        await().atMost(WAIT).until(() -> onB.count() == 1 && onC.count() == 1);

        // B answers after it got m1; NATS hands A its own m1 back before B's m2, so once A has m2
        // a second copy of m1 would have arrived already.
        assertThat(publish(b, "orders.eu", "m2")).isEqualTo(1);
        await().atMost(WAIT).until(() -> onA.count() == 2 && onC.count() == 2);
        assertThat(onA.received).containsExactly("orders.eu m1", "orders.eu m2");
        assertThat(onB.received).as("two matching patterns on B, one copy").containsExactly("orders.eu m1", "orders.eu m2");
        assertThat(onC.received).containsExactly("orders.eu m1", "orders.eu m2");
        assertThat(elsewhere.received).isEmpty();
        assertThat(b.natsSubscriptions()).isEqualTo(2);
    }

    @Test
    void aNodeHoldsOneNatsSubscriptionPerPatternAndGroupAndDropsItWithItsLastLocalSubscriber() throws Exception {
        NatsBroker a = node("a");
        NatsBroker b = node("b");
        Inbox first = listen(b, "first", "room.*", "");
        Inbox second = listen(b, "second", "room.*", "");
        Inbox worker = listen(b, "worker", "room.*", "g");
        assertThat(b.natsSubscriptions()).isEqualTo(2);

        publish(a, "room.1", "hello");
        await().atMost(WAIT).until(() -> first.count() == 1 && second.count() == 1 && worker.count() == 1);

        done(b.unsubscribe(first, "room.*", ""));
        assertThat(b.natsSubscriptions()).isEqualTo(2);
        done(b.unsubscribe(second, "room.*", ""));
        done(b.unsubscribeAll(worker));
        assertThat(b.natsSubscriptions()).isZero();
        assertThat(b.indexSize()).isZero();

        // B's interest is gone from NATS: a fresh listener on a third node still hears A, B nobody.
        NatsBroker c = node("c");
        Inbox late = listen(c, "late", "room.*", "");
        publish(a, "room.1", "again");
        await().atMost(WAIT).until(() -> late.count() == 1);
        assertThat(first.count() + second.count() + worker.count()).isEqualTo(3);
    }

    @Test
    void aQueueGroupWithMembersOnThreeNodesGetsEachMessageOnce() throws Exception {
        NatsBroker a = node("a");
        NatsBroker b = node("b");
        NatsBroker c = node("c");
        NatsBroker publisher = node("publisher");
        List<Inbox> members = List.of(listen(a, "a1", "jobs.*", "workers"), listen(b, "b1", "jobs.*", "workers"),
                listen(b, "b2", "jobs.*", "workers"), listen(c, "c1", "jobs.*", "workers"));
        Inbox audit = listen(c, "audit", "jobs.>", "audit");

        int messages = 60;
        for (int i = 0; i < messages; i++) {
            assertThat(publish(publisher, "jobs." + i, "j" + i)).as("nobody on the publishing node").isZero();
        }
        await().atMost(WAIT).until(() -> members.stream().mapToInt(Inbox::count).sum() == messages && audit.count() == messages);
        List<String> all = members.stream().flatMap(m -> m.received.stream()).toList();
        assertThat(all).doesNotHaveDuplicates().hasSize(messages);
        assertThat(members.stream().filter(m -> m.count() > 0).count()).as("NATS spreads the group over the nodes").isGreaterThan(1);
    }

    @Test
    void aPublishingNodeWithAMemberOfAGroupServesItAndNoOtherNodeDoes() throws Exception {
        NatsBroker a = node("a");
        NatsBroker b = node("b");
        Inbox onA = listen(a, "onA", "jobs.*", "workers");
        Inbox onB = listen(b, "onB", "jobs.*", "workers");
        Inbox bSeesAll = listen(b, "bSeesAll", "jobs.>", "");

        for (int i = 0; i < 20; i++) {
            assertThat(publish(a, "jobs." + i, "j" + i)).as("A's member took it").isEqualTo(1);
        }
        // B's plain listener gets the twenty after B's group subscription got whatever it was handed.
        await().atMost(WAIT).until(() -> bSeesAll.count() == 20);
        assertThat(onA.count()).isEqualTo(20);
        assertThat(onB.count()).isZero();

        // From B the rule is the same, the other way round.
        assertThat(publish(b, "jobs.x", "from-b")).isEqualTo(2);
        assertThat(onB.received).containsExactly("jobs.x from-b");
    }

    @Test
    void aCountedPublishAddsWhatTheOtherNodesDeliveredAndAPlainOneCountsThisNode() throws Exception {
        NatsBroker a = node("a");
        NatsBroker b = node("b");
        NatsBroker c = node("c");
        listen(a, "a1", "signal.x", "");
        listen(a, "aGroup", "signal.x", "g");
        listen(b, "b1", "signal.x", "");
        listen(b, "b2", "signal.*", "");
        listen(b, "bGroup", "signal.x", "g");
        listen(c, "c1", "signal.>", "");
        listen(c, "cOther", "signal.>", "other");

        // Here: a1 and the group g (served by A) = 2; B: b1, b2 (its g member is skipped: A served
        // g) = 2; C: c1 and the group "other" = 2.
        assertThat(publish(a, "signal.x", "one")).isEqualTo(2);
        PublishResult counted = done(a.publishCounted("signal.x", Payload.ofUtf8("two"), Duration.ofSeconds(1)));
        assertThat(counted.delivered()).isEqualTo(6);
        assertThat(done(a.publishCounted("nobody.here", Payload.ofUtf8("three"), Duration.ofMillis(100))).delivered()).isZero();
    }

    @Test
    void aNodeThatAnswersAfterTheWaitCountsZeroSoTheCountIsALowerBound() throws Exception {
        NatsBroker a = node("a");
        NatsBroker b = node("b");
        NatsBroker c = node("c");
        Inbox held = listen(b, "held", "slow.topic", "");
        Inbox quick = listen(c, "quick", "slow.topic", "");
        CountDownLatch release = new CountDownLatch(1);
        held.holdFirst = release;
        try {
            long start = System.nanoTime();
            PublishResult r = done(a.publishCounted("slow.topic", Payload.ofUtf8("x"), Duration.ofMillis(300)));
            assertThat(r.delivered()).as("C answered in time, B did not").isEqualTo(1);
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(WAIT);
        } finally {
            release.countDown();
        }
        await().atMost(WAIT).until(() -> held.count() == 1 && quick.count() == 1);
    }

    @Test
    void countedPublishesPastTheBoundCountThisNodeOnly() throws Exception {
        NatsBroker a = node("a", nats, NatsBrokerSettings.defaults(0, TopicHistories.none()).withCountedPublishes(1));
        NatsBroker b = node("b");
        Inbox onB = listen(b, "onB", "bounded", "");

        CompletionStage<PublishResult> waiting = a.publishCounted("bounded", Payload.ofUtf8("1"), Duration.ofSeconds(2));
        PublishResult refused = done(a.publishCounted("bounded", Payload.ofUtf8("2"), Duration.ofSeconds(2)));

        assertThat(refused.delivered()).as("answered at once, this node's count").isZero();
        assertThat(a.countsRefused()).isEqualTo(1);
        assertThat(done(waiting).delivered()).isEqualTo(1);
        await().atMost(WAIT).until(() -> onB.count() == 2);
    }

    @Test
    void payloadsCrossNodesWithTheirKindAndBytesInPublishOrder() throws Exception {
        NatsBroker a = node("a");
        NatsBroker b = node("b");
        Inbox onB = listen(b, "onB", "data", "");
        byte[] bytes = {0, (byte) 0xff, '\n', '\r', 'x', (byte) 0x80};
        Payload json = PayloadFields.fromValue(Map.of("n", 1));

        publish(a, "data", "text é");
        done(a.publish("data", Payload.binary(bytes)));
        done(a.publish("data", json));
        for (int i = 0; i < 500; i++) publish(a, "data", Integer.toString(i));

        await().atMost(WAIT).until(() -> onB.payloads.size() == 503);
        assertThat(onB.payloads.get(0)).isEqualTo(Payload.ofUtf8("text é"));
        assertThat(onB.payloads.get(0).kind()).isEqualTo(Payload.Kind.TEXT);
        assertThat(onB.payloads.get(1).kind()).isEqualTo(Payload.Kind.BINARY);
        assertThat(onB.payloads.get(1).toByteArray()).isEqualTo(bytes);
        assertThat(onB.payloads.get(2).kind()).isEqualTo(Payload.Kind.JSON);
        assertThat(onB.payloads.get(2).utf8()).isEqualTo(json.utf8());
        assertThat(onB.received.subList(3, 503))
                .isEqualTo(IntStream.range(0, 500).mapToObj(i -> "data " + i).toList());
    }

    @Test
    void aSubscribeOnAClosedConnectionFailsItsStageAndHoldsOnTheNode() throws Exception {
        NatsBroker a = node("a");
        connections.get(0).close();
        Inbox inbox = new Inbox("inbox");

        assertThatThrownBy(() -> done(a.subscribe(inbox, "after.close", ""))).hasCauseInstanceOf(NatsUnreachableException.class);
        assertThat(a.subscriptionCount(inbox)).isEqualTo(1);
        ExecutionException failed = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
                () -> done(a.publish("after.close", Payload.ofUtf8("x"))));
        assertThat(((CrossNodePublishException) failed.getCause()).localDelivered()).isEqualTo(1);
        assertThat(inbox.received).containsExactly("after.close x");
    }

    @Test
    void messagesNotFromANodeAreIgnoredAndAMalformedJsonPayloadArrivesAsText() throws Exception {
        NatsBroker b = node("b");
        Inbox onB = listen(b, "onB", "raw", "");
        Connection outsider = connections.get(0);
        String subject = subjects.subject("ch", "raw");

        outsider.publish(subject, "no headers".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        outsider.publish(io.nats.client.impl.NatsMessage.builder().subject(subject)
                .headers(new io.nats.client.impl.Headers().put(NatsEnvelope.ORIGIN, "forged/1")
                        .put(NatsEnvelope.SEQUENCE, "1").put(NatsEnvelope.KIND, "JSON"))
                .data("{not json".getBytes(java.nio.charset.StandardCharsets.UTF_8)).build());

        await().atMost(WAIT).until(() -> onB.count() == 1);
        assertThat(onB.received).containsExactly("raw {not json");
        assertThat(onB.payloads.get(0).kind()).isEqualTo(Payload.Kind.TEXT);
    }

    @Test
    void messagesFromOtherNodesPastThePendingLimitAreDroppedAndCounted() throws Exception {
        NatsBroker a = node("a");
        NatsBroker b = node("b", nats, NatsBrokerSettings.defaults(0, TopicHistories.none()).withPending(10, 1 << 20));
        Inbox slow = listen(b, "slow", "flood", "");
        CountDownLatch release = new CountDownLatch(1);
        slow.holdFirst = release;

        int sent = 200;
        for (int i = 0; i < sent; i++) publish(a, "flood", "m" + i);
        try {
            await().atMost(WAIT).until(() -> b.droppedFromOtherNodes() > 0);
        } finally {
            release.countDown();
        }
        // B's queue empty for a moment does not mean the flood is over: the first drop may come
        // while A's later messages are still on their way (A's buffer, the server, B's socket), and
        // they keep coming after the release, over the limit again on a slow machine. Only once each
        // of them is taken or counted dropped is nothing behind "last", which then cannot be dropped.
        await().atMost(WAIT).untilAsserted(() -> assertThat(slow.count() + b.droppedFromOtherNodes())
                .as("each one taken or counted dropped").isEqualTo(sent));
        assertThat(b.pendingFromOtherNodes()).isZero();
        publish(a, "flood", "last");
        await().atMost(WAIT).until(() -> slow.received.contains("flood last"));
        assertThat(b.droppedFromOtherNodes()).isLessThan(sent);
        assertThat(slow.count() - 1 + b.droppedFromOtherNodes()).as("each one taken or counted dropped").isEqualTo(sent);
    }

    @Test
    void whileNatsIsDownAPublishFailsAfterItsLocalFanOutAndDeliveryResumesAfterReconnect() throws Exception {
        NatsServer own = NatsServer.started();
        try {
            NatsBrokerSettings settings = new NatsBrokerSettings(0, TopicHistories.none(),
                    NatsBrokerSettings.DEFAULT_PENDING_MESSAGES, NatsBrokerSettings.DEFAULT_PENDING_BYTES,
                    Duration.ofMillis(500), 10, 16);
            NatsBroker a = node("a", own, settings);
            NatsBroker b = node("b", own, settings);
            Inbox onA = listen(a, "onA", "news", "");
            Inbox onB = listen(b, "onB", "news", "");
            publish(a, "news", "before");
            await().atMost(WAIT).until(() -> onB.count() == 1);

            own.stop();
            await().atMost(WAIT).until(() -> connections.get(0).getStatus() != Connection.Status.CONNECTED);

            ExecutionException failed = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
                    () -> done(a.publish("news", Payload.ofUtf8("during"))));
            assertThat(failed.getCause()).isInstanceOf(CrossNodePublishException.class);
            assertThat(((CrossNodePublishException) failed.getCause()).localDelivered()).isEqualTo(1);
            assertThat(onA.received).containsExactly("news before", "news during");
            // A subscription made during the outage holds here at once; its stage says NATS did not confirm.
            Inbox lateOnB = new Inbox("lateOnB");
            assertThatThrownBy(() -> done(b.subscribe(lateOnB, "later", "")))
                    .hasCauseInstanceOf(NatsUnreachableException.class);
            assertThat(b.subscriptionCount(lateOnB)).isEqualTo(1);

            own.start();
            await().atMost(WAIT).until(() -> connections.stream().allMatch(c -> c.getStatus() == Connection.Status.CONNECTED));
            // jnats replays the subscriptions on reconnect: publish until B hears again.
            AtomicInteger tries = new AtomicInteger();
            await().atMost(WAIT).pollInterval(Duration.ofMillis(50)).until(() -> {
                publish(a, "news", "after" + tries.incrementAndGet());
                publish(a, "later", "l" + tries.get());
                return onB.count() > 1 && lateOnB.count() > 0;
            });
            assertThat(onB.received).doesNotContain("news during");
            assertThat(onB.received.get(1)).startsWith("news after");
        } finally {
            own.close();
        }
    }
}
