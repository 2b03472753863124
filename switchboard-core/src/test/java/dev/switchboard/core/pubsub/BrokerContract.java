package dev.switchboard.core.pubsub;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.protocol.Payload;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * What every {@link Broker} must do, whatever it runs on: extend this class, say how to make a
 * broker, and the suite runs against it. It speaks to the broker only through the interface and
 * waits for each stage it answers (a few seconds at most), so that an engine completing them on
 * its own threads passes as well as one that completes them at once.
 */
public abstract class BrokerContract {
    // Both deadlines only catch a broker that never answers: a stage that completes returns at
    // once, so they are set for a CI host running many times slower than usual, not for speed.
    private static final Duration STAGE_WAIT = Duration.ofSeconds(30);
    private static final Duration THREADS_WAIT = Duration.ofMinutes(5);

    /** A new, empty broker capping each subscriber at {@code maxSubscriptionsPerSubscriber} (0 = no cap). */
    protected abstract Broker newBroker(int maxSubscriptionsPerSubscriber);

    /**
     * How many times fewer operations the load tests (many patterns, churn while publishing, many
     * threads at once) make: 1 for a broker answering in memory. An engine where each subscribe and
     * publish is a network round trip returns more, so that those tests still race their threads
     * but do not take minutes; what they check does not change.
     */
    protected int loadDivisor() {
        return 1;
    }

    /** {@code full} operations, divided by {@link #loadDivisor()}. */
    private int scaled(int full) {
        return Math.max(1, full / loadDivisor());
    }

    private final Broker broker = newBroker(0);

    private RecordingSubscriber listen(String pattern) {
        RecordingSubscriber s = new RecordingSubscriber(pattern);
        assertThat(subscribe(s, pattern, "")).isEqualTo(SubscribeResult.SUBSCRIBED);
        return s;
    }

    private SubscribeResult subscribe(Subscriber s, String pattern, String group) {
        return subscribe(broker, s, pattern, group);
    }

    private static SubscribeResult subscribe(Broker b, Subscriber s, String pattern, String group) {
        return await(b.subscribe(s, pattern, group));
    }

    private void unsubscribe(Subscriber s, String pattern, String group) {
        await(broker.unsubscribe(s, pattern, group));
    }

    private void unsubscribeAll(Subscriber s) {
        await(broker.unsubscribeAll(s));
    }

    private int publish(String channel, String text) {
        return publishResult(broker, channel, text).delivered();
    }

    private static PublishResult publishResult(Broker b, String channel, String text) {
        return await(b.publish(channel, Payload.ofUtf8(text)));
    }

    private int subscriptionCount(Subscriber s) {
        return broker.subscriptionCount(s);
    }

    private List<ChannelListeners> channels() {
        return broker.channels();
    }

    private static <T> T await(CompletionStage<T> stage) {
        try {
            return stage.toCompletableFuture().get(STAGE_WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            throw new AssertionError("the broker did not answer within " + STAGE_WAIT, e);
        }
    }

    // ---- matching -------------------------------------------------------------------------------

    @ParameterizedTest(name = "{0} on {1} -> {2}")
    @CsvSource({
            "a,       a,       true",
            "a,       b,       false",
            "a,       a.b,     false",
            "a.b,     a,       false",
            "a.b,     a.b,     true",
            "*,       a,       true",
            "*,       a.b,     false",
            "a.*,     a.b,     true",
            "a.*,     a,       false",
            "a.*,     a.b.c,   false",
            "a.*,     b.c,     false",
            "*.b,     x.b,     true",
            "*.b,     x.c,     false",
            "a.*.c,   a.x.c,   true",
            "a.*.c,   a.x.d,   false",
            "*.*,     a.b,     true",
            "*.*,     a,       false",
            "a.>,     a.b,     true",
            "a.>,     a.b.c.d, true",
            "a.>,     a,       false",
            "a.>,     b.c,     false",
            ">,       a,       true",
            ">,       a.b.c,   true",
            "*.>,     a,       false",
            "*.>,     a.b,     true",
            "a.*.>,   a.b.c,   true",
            "a.*.>,   a.b,     false",
    })
    void patternMatching(String pattern, String channel, boolean matches) {
        RecordingSubscriber s = listen(pattern);

        int delivered = publish(channel, "hi");

        assertThat(delivered).isEqualTo(matches ? 1 : 0);
        assertThat(s.received).isEqualTo(matches ? List.of(channel + " hi") : List.of());
    }

    @Test
    void everyMatchingSubscriberGetsTheMessage() {
        RecordingSubscriber exact = listen("orders.eu");
        RecordingSubscriber star = listen("orders.*");
        RecordingSubscriber tail = listen("orders.>");
        RecordingSubscriber all = listen(">");
        RecordingSubscriber other = listen("orders.us");

        assertThat(publish("orders.eu", "p1")).isEqualTo(4);

        for (RecordingSubscriber s : List.of(exact, star, tail, all)) {
            assertThat(s.received).containsExactly("orders.eu p1");
        }
        assertThat(other.received).isEmpty();
    }

    @Test
    void publishWithNoSubscribersDeliversNothing() {
        assertThat(publish("nobody.listens", "x")).isZero();
        listen("a.b");
        assertThat(publish("a", "x")).isZero();
    }

    // ---- de-duplication -------------------------------------------------------------------------

    @Test
    void aSubscriberWithExactAndWildcardSubscriptionsGetsOneCopy() {
        RecordingSubscriber s = new RecordingSubscriber("s");
        subscribe(s, "a.b", "");
        subscribe(s, "a.*", "");
        subscribe(s, "a.>", "");
        subscribe(s, ">", "");

        assertThat(publish("a.b", "x")).isEqualTo(1);
        assertThat(s.received).containsExactly("a.b x");
    }

    @Test
    void wildcardSubscriptionsOfOneSubscriberAreDeduplicatedToo() {
        RecordingSubscriber s = new RecordingSubscriber("s");
        subscribe(s, "a.*", "");
        subscribe(s, "a.>", "");

        assertThat(publish("a.b", "x")).isEqualTo(1);
        assertThat(s.received).containsExactly("a.b x");
    }

    @Test
    void exactSubscriptionCreatedAfterAWildcardOnTheSamePathIsDeduplicated() {
        RecordingSubscriber s = new RecordingSubscriber("s");
        RecordingSubscriber t = new RecordingSubscriber("t");
        subscribe(s, "a.>", "");
        subscribe(s, "a", "");
        subscribe(t, "a.b", "");
        subscribe(t, "a.*", "");

        assertThat(publish("a", "x")).isEqualTo(1);
        assertThat(publish("a.b", "y")).isEqualTo(2);
        assertThat(s.received).containsExactly("a x", "a.b y");
        assertThat(t.received).containsExactly("a.b y");
    }

    @Test
    void groupsAreIndependentOfTheDeduplication() {
        RecordingSubscriber s = new RecordingSubscriber("s");
        subscribe(s, "a.b", "");
        subscribe(s, "a.*", "");
        subscribe(s, "a.*", "workers");
        subscribe(s, "a.b", "workers");
        subscribe(s, "a.>", "audit");

        // One plain copy, then one per group: exact "workers", wildcard "workers", wildcard "audit".
        assertThat(publish("a.b", "x")).isEqualTo(4);
        assertThat(s.received).hasSize(4).containsOnly("a.b x");
    }

    // ---- queue groups ---------------------------------------------------------------------------

    @Test
    void aQueueGroupDeliversToOneMemberRoundRobin() {
        List<RecordingSubscriber> members = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            RecordingSubscriber m = new RecordingSubscriber("m" + i);
            members.add(m);
            subscribe(m, "jobs", "workers");
        }

        List<RecordingSubscriber> order = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            assertThat(publish("jobs", "j" + i)).isEqualTo(1);
            order.add(receiverOf(members, "jobs j" + i));
        }

        // Every member once per round, in the same rotation each round.
        assertThat(order.subList(0, 3)).containsExactlyInAnyOrderElementsOf(members);
        assertThat(order.subList(3, 6)).isEqualTo(order.subList(0, 3));
        for (RecordingSubscriber m : members) {
            assertThat(m.count()).isEqualTo(2);
        }
    }

    @Test
    void wildcardQueueGroupDeliversToOneMember() {
        RecordingSubscriber a = new RecordingSubscriber("a");
        RecordingSubscriber b = new RecordingSubscriber("b");
        subscribe(a, "jobs.>", "g");
        subscribe(b, "jobs.>", "g");

        for (int i = 0; i < 10; i++) {
            assertThat(publish("jobs.x." + i, "p")).isEqualTo(1);
        }
        assertThat(a.count()).isEqualTo(5);
        assertThat(b.count()).isEqualTo(5);
    }

    @Test
    void differentGroupsOnOnePatternEachGetACopy() {
        RecordingSubscriber a = new RecordingSubscriber("a");
        RecordingSubscriber b = new RecordingSubscriber("b");
        RecordingSubscriber plain = new RecordingSubscriber("plain");
        subscribe(a, "jobs", "g1");
        subscribe(b, "jobs", "g2");
        subscribe(plain, "jobs", "");

        assertThat(publish("jobs", "p")).isEqualTo(3);
        assertThat(a.count()).isEqualTo(1);
        assertThat(b.count()).isEqualTo(1);
        assertThat(plain.count()).isEqualTo(1);
    }

    @Test
    void aFullGroupMemberIsSkippedWithoutBeingEvicted() {
        RecordingSubscriber a = new RecordingSubscriber("a");
        RecordingSubscriber b = new RecordingSubscriber("b");
        RecordingSubscriber c = new RecordingSubscriber("c");
        for (RecordingSubscriber m : List.of(a, b, c)) subscribe(m, "jobs", "g");
        b.full = true;

        for (int i = 0; i < 6; i++) {
            assertThat(publish("jobs", "j" + i)).isEqualTo(1);
        }

        assertThat(b.count()).isZero();
        assertThat(a.count() + c.count()).isEqualTo(6);
        assertThat(a.count()).isPositive();
        assertThat(c.count()).isPositive();
        assertThat(a.evictions.get() + b.evictions.get() + c.evictions.get()).isZero();
    }

    @Test
    void whenEveryGroupMemberIsFullTheOneWhoseTurnItWasIsEvicted() {
        RecordingSubscriber a = new RecordingSubscriber("a");
        RecordingSubscriber b = new RecordingSubscriber("b");
        subscribe(a, "jobs", "g");
        subscribe(b, "jobs", "g");
        assertThat(publish("jobs", "first")).isEqualTo(1);
        RecordingSubscriber got = receiverOf(List.of(a, b), "jobs first");
        RecordingSubscriber next = got == a ? b : a;

        a.full = true;
        b.full = true;
        assertThat(publish("jobs", "second")).isZero();

        assertThat(next.evictions.get()).isEqualTo(1);
        assertThat(got.evictions.get()).isZero();
    }

    @Test
    void aFullPlainSubscriberIsEvictedAndNotCounted() {
        RecordingSubscriber slow = listen("news");
        RecordingSubscriber fine = listen("news");
        slow.full = true;

        assertThat(publish("news", "x")).isEqualTo(1);

        assertThat(slow.evictions.get()).isEqualTo(1);
        assertThat(slow.received).isEmpty();
        assertThat(fine.received).containsExactly("news x");
        assertThat(fine.evictions.get()).isZero();
    }

    // ---- subscription management ----------------------------------------------------------------

    @Test
    void subscribeIsIdempotentPerPatternAndGroup() {
        RecordingSubscriber s = new RecordingSubscriber("s");
        assertThat(subscribe(s, "a", "")).isEqualTo(SubscribeResult.SUBSCRIBED);
        assertThat(subscribe(s, "a", "")).isEqualTo(SubscribeResult.ALREADY_SUBSCRIBED);
        assertThat(subscribe(s, "a", null)).isEqualTo(SubscribeResult.ALREADY_SUBSCRIBED);
        assertThat(subscriptionCount(s)).isEqualTo(1);

        assertThat(publish("a", "x")).isEqualTo(1);
        assertThat(s.received).containsExactly("a x");
        assertThat(channels()).containsExactly(new ChannelListeners("a", "", 1));

        subscribe(s, "a", "g");
        subscribe(s, "a", "g");
        assertThat(subscriptionCount(s)).isEqualTo(2);
        assertThat(publish("a", "y")).isEqualTo(2);
    }

    @Test
    void maxSubscriptionsCapsNewSubscriptionsPerSubscriber() {
        Broker capped = newBroker(2);
        RecordingSubscriber s = new RecordingSubscriber("s");
        RecordingSubscriber other = new RecordingSubscriber("other");
        assertThat(subscribe(capped, s, "a", "")).isEqualTo(SubscribeResult.SUBSCRIBED);
        assertThat(subscribe(capped, s, "b.*", "")).isEqualTo(SubscribeResult.SUBSCRIBED);

        assertThat(subscribe(capped, s, "c", "")).isEqualTo(SubscribeResult.MAX_SUBSCRIPTIONS);
        assertThat(subscribe(capped, s, "a", "g")).isEqualTo(SubscribeResult.MAX_SUBSCRIPTIONS);
        // Re-subscribing to an existing one is not a new subscription.
        assertThat(subscribe(capped, s, "a", "")).isEqualTo(SubscribeResult.ALREADY_SUBSCRIBED);
        // The cap is per subscriber.
        assertThat(subscribe(capped, other, "c", "")).isEqualTo(SubscribeResult.SUBSCRIBED);
        assertThat(capped.subscriptionCount(s)).isEqualTo(2);
        assertThat(publishResult(capped, "c", "x").delivered()).isEqualTo(1);
        assertThat(s.received).isEmpty();

        await(capped.unsubscribe(s, "a", ""));
        assertThat(subscribe(capped, s, "c", "")).isEqualTo(SubscribeResult.SUBSCRIBED);
        assertThat(capped.subscriptionCount(s)).isEqualTo(2);
    }

    @Test
    void racingSubscribesOfOneSubscriberNeverPassTheCap() throws Exception {
        Broker capped = newBroker(5);
        RecordingSubscriber s = new RecordingSubscriber("s");
        List<Integer> accepted = onThreadsAtOnce(4, thread -> {
            int mine = 0;
            for (int i = 0; i < 20; i++) {
                if (subscribe(capped, s, "cap." + thread + "." + i, "") == SubscribeResult.SUBSCRIBED) mine++;
            }
            return mine;
        });

        assertThat(accepted.stream().mapToInt(Integer::intValue).sum()).isEqualTo(5);
        assertThat(capped.subscriptionCount(s)).isEqualTo(5);
        assertThat(capped.subscriptionsOf(s)).hasSize(5);
        int delivered = 0;
        for (int t = 0; t < 4; t++) {
            for (int i = 0; i < 20; i++) delivered += publishResult(capped, "cap." + t + "." + i, "x").delivered();
        }
        assertThat(delivered).isEqualTo(5);
    }

    @Test
    void unsubscribeRemovesExactlyThatSubscription() {
        RecordingSubscriber s = new RecordingSubscriber("s");
        subscribe(s, "a.*", "");
        subscribe(s, "a.*", "g");
        subscribe(s, "a.b", "");

        unsubscribe(s, "a.*", "");
        assertThat(publish("a.c", "1")).as("only the group remains on a.*").isEqualTo(1);
        unsubscribe(s, "a.*", "g");
        assertThat(publish("a.c", "2")).isZero();
        assertThat(publish("a.b", "3")).isEqualTo(1);
        // Unknown triples are ignored.
        unsubscribe(s, "never", "");
        unsubscribe(new RecordingSubscriber("x"), "a.b", "");
        assertThat(subscriptionCount(s)).isEqualTo(1);

        unsubscribe(s, "a.b", "");
        assertThat(subscriptionCount(s)).isZero();
        assertThat(publish("a.b", "4")).isZero();
        assertThat(channels()).isEmpty();
        assertThat(s.received).containsExactly("a.c 1", "a.b 3");
    }

    @Test
    void unsubscribeAllDropsEverySubscriptionOfOneSubscriber() {
        RecordingSubscriber s = new RecordingSubscriber("s");
        RecordingSubscriber t = new RecordingSubscriber("t");
        subscribe(s, "a", "");
        subscribe(s, "a.>", "");
        subscribe(s, "jobs", "g");
        subscribe(t, "jobs", "g");
        subscribe(t, "a", "");

        unsubscribeAll(s);
        unsubscribeAll(s);

        assertThat(subscriptionCount(s)).isZero();
        assertThat(publish("a", "x")).isEqualTo(1);
        assertThat(publish("a.b", "x")).isZero();
        for (int i = 0; i < 4; i++) publish("jobs", "j" + i);
        assertThat(s.received).isEmpty();
        assertThat(t.count()).isEqualTo(5);
        assertThat(channels()).containsExactly(
                new ChannelListeners("a", "", 1),
                new ChannelListeners("jobs", "g", 1));
    }

    @Test
    void channelsListsPatternsAndGroupsWithListenerCounts() {
        RecordingSubscriber a = new RecordingSubscriber("a");
        RecordingSubscriber b = new RecordingSubscriber("b");
        RecordingSubscriber c = new RecordingSubscriber("c");
        subscribe(a, "x.>", "g");
        subscribe(b, "x.>", "g");
        subscribe(c, "x.>", "");
        subscribe(a, "b.c", "");
        subscribe(b, "b.c", "");
        subscribe(c, "x.>", "a-group");

        assertThat(channels()).containsExactly(
                new ChannelListeners("b.c", "", 2),
                new ChannelListeners("x.>", "", 1),
                new ChannelListeners("x.>", "a-group", 1),
                new ChannelListeners("x.>", "g", 2));
    }

    @Test
    void concurrentSubscribersAndPublishersSeeAConsistentTree() throws Exception {
        int subscribers = 4;
        int perThread = 200;
        Map<Integer, RecordingSubscriber> subs = new ConcurrentHashMap<>();
        onThreadsAtOnce(subscribers + 1, thread -> {
            if (thread == subscribers) { // the publisher
                for (int i = 0; i < 500; i++) publish("load.0.0", "x");
                return null;
            }
            for (int i = 0; i < perThread; i++) {
                RecordingSubscriber s = new RecordingSubscriber("s" + thread + "-" + i);
                subs.put(thread * perThread + i, s);
                subscribe(s, "load." + thread + "." + i, "");
                subscribe(s, "load.>", "");
            }
            return null;
        });

        assertThat(publish("load.3.7", "final")).isEqualTo(subscribers * perThread);
        assertThat(subs.get(3 * perThread + 7).received).last().isEqualTo("load.3.7 final");
        assertThat(channels()).hasSize(subscribers * perThread + 1);
    }

    // ---- memory: the index keeps only the patterns someone listens to --------------------------

    @Test
    void unsubscribingManyDistinctPatternsLeavesNoNodes() {
        RecordingSubscriber s = new RecordingSubscriber("s");
        int patterns = scaled(10_000);
        for (int i = 0; i < patterns; i++) {
            assertThat(subscribe(s, "jobs." + i + ".done", "")).isEqualTo(SubscribeResult.SUBSCRIBED);
            assertThat(subscribe(s, "jobs." + i + ".*", "g" + i)).isEqualTo(SubscribeResult.SUBSCRIBED);
        }
        assertThat(broker.indexSize()).isPositive();

        for (int i = 0; i < patterns; i++) {
            unsubscribe(s, "jobs." + i + ".done", "");
            unsubscribe(s, "jobs." + i + ".*", "g" + i);
        }

        assertThat(broker.indexSize()).isZero();
        assertThat(channels()).isEmpty();
        assertThat(publish("jobs.1.done", "x")).isZero();
    }

    @Test
    void aSubscriberLeavingDropsTheNodesOfAllItsPatterns() {
        List<RecordingSubscriber> subs = new ArrayList<>();
        for (int i = 0; i < scaled(1_000); i++) {
            RecordingSubscriber s = new RecordingSubscriber("s" + i);
            subs.add(s);
            subscribe(s, "session." + i + ".events", "");
            subscribe(s, "session." + i + ".>", "workers");
        }
        subs.forEach(this::unsubscribeAll);

        assertThat(broker.indexSize()).isZero();
    }

    @Test
    void aPatternListenedAgainAfterItsNodesWereDroppedStillMatches() {
        RecordingSubscriber s = listen("x.*");
        unsubscribe(s, "x.*", "");
        assertThat(broker.indexSize()).isZero();

        assertThat(subscribe(s, "x.*", "")).isEqualTo(SubscribeResult.SUBSCRIBED);
        assertThat(publish("x.y", "again")).isEqualTo(1);
        assertThat(s.received).containsExactly("x.y again");
    }

    @Test
    void publishersRunningWhileNodesAreDroppedDeliverToWhoeverStillListens() throws Exception {
        RecordingSubscriber steady = listen("churn.>");
        int churns = scaled(5_000);
        int publishes = scaled(2_000);
        onThreadsAtOnce(2, thread -> {
            if (thread == 0) {
                RecordingSubscriber s = new RecordingSubscriber("churner");
                for (int i = 0; i < churns; i++) {
                    subscribe(s, "churn." + (i % 50) + ".x", "");
                    unsubscribe(s, "churn." + (i % 50) + ".x", "");
                }
            } else {
                for (int i = 0; i < publishes; i++) {
                    assertThat(publish("churn." + (i % 50) + ".x", "m")).isGreaterThanOrEqualTo(1);
                }
            }
            return null;
        });
        assertThat(steady.count()).isEqualTo(publishes);
        unsubscribe(steady, "churn.>", "");
        assertThat(broker.indexSize()).isZero();
    }

    @Test
    void manyThreadsSubscribingUnsubscribingAndPublishingLeaveNothingBehind() throws Exception {
        int rounds = scaled(1_500);
        // A few shared patterns, so that threads add to and prune the same nodes at once, beside
        // patterns of their own.
        List<String> shared = List.of("grid.a.x", "grid.*.x", "grid.>", "grid.a.*", "grid.b.x");
        RecordingSubscriber steady = listen("grid.>");
        List<RecordingSubscriber> everyone = new CopyOnWriteArrayList<>();
        List<Integer> published = onThreadsAtOnce(4, thread -> {
            Random random = new Random(thread);
            int mineCount = 0;
            for (int i = 0; i < rounds; i++) {
                RecordingSubscriber s = new RecordingSubscriber("t" + thread + "-" + i);
                everyone.add(s);
                String mine = "own." + thread + "." + (i % 37) + ".x";
                String pattern = shared.get(random.nextInt(shared.size()));
                String group = random.nextBoolean() ? "" : "g" + random.nextInt(3);
                subscribe(s, pattern, group);
                subscribe(s, mine, "");
                // Whatever the others prune meanwhile, a subscription just made is reached.
                assertThat(publish(mine, "m" + i)).isGreaterThanOrEqualTo(1);
                assertThat(s.received).containsOnlyOnce(mine + " m" + i);
                assertThat(publish("grid.a.x", "p")).isGreaterThanOrEqualTo(1);
                mineCount++;
                if (random.nextBoolean()) {
                    unsubscribe(s, pattern, group);
                    unsubscribe(s, mine, "");
                } else {
                    unsubscribeAll(s);
                }
            }
            return mineCount;
        });
        assertThat(steady.count()).as("the steady listener missed nothing")
                .isEqualTo(published.stream().mapToInt(Integer::intValue).sum());

        for (RecordingSubscriber s : everyone) {
            assertThat(subscriptionCount(s)).as("subscriptions left to %s", s).isZero();
        }
        assertThat(channels()).containsExactly(new ChannelListeners("grid.>", "", 1));
        unsubscribe(steady, "grid.>", "");
        assertThat(channels()).isEmpty();
        assertThat(broker.indexSize()).isZero();
        assertThat(publish("grid.a.x", "after")).isZero();
        assertThat(publish("own.0.1.x", "after")).isZero();
    }

    // ---- ordering and stream positions ---------------------------------------------------------

    @Test
    void offsetsIncreasePerChannelWithAStableEpoch() {
        listen("a");
        Map<String, Long> last = new HashMap<>();
        String epoch = null;
        for (int i = 0; i < 200; i++) {
            // Channels with and without listeners, interleaved.
            String channel = i % 3 == 0 ? "a" : i % 3 == 1 ? "b.c" : "nobody." + (i % 7);
            StreamPosition p = publishResult(broker, channel, "x").position();
            assertThat(p.isNone()).as("the in-memory broker and every stream engine give positions").isFalse();
            assertThat(p.epoch()).isNotEmpty();
            if (epoch == null) epoch = p.epoch();
            assertThat(p.epoch()).isEqualTo(epoch);
            Long previous = last.put(channel, p.offset());
            if (previous != null) assertThat(p.offset()).as("offset on %s", channel).isGreaterThan(previous);
        }
    }

    @Test
    void racingPublishersGetDistinctOffsetsAndEachPublishersOrderIsKept() throws Exception {
        RecordingSubscriber s = listen("ordered");
        int publishers = 3;
        int perPublisher = 300;
        List<Long> offsets = new CopyOnWriteArrayList<>();
        onThreadsAtOnce(publishers, publisher -> {
            long previous = 0;
            for (int i = 0; i < perPublisher; i++) {
                PublishResult r = publishResult(broker, "ordered", publisher + ":" + i);
                assertThat(r.delivered()).isEqualTo(1);
                assertThat(r.position().offset()).isGreaterThan(previous);
                previous = r.position().offset();
                offsets.add(previous);
            }
            return null;
        });

        assertThat(offsets).doesNotHaveDuplicates().hasSize(publishers * perPublisher);
        for (int p = 0; p < publishers; p++) {
            String prefix = "ordered " + p + ":";
            List<String> mine = s.received.stream().filter(m -> m.startsWith(prefix)).toList();
            List<String> expected = new ArrayList<>();
            for (int i = 0; i < perPublisher; i++) expected.add(prefix + i);
            assertThat(mine).as("publisher %d's messages, in its order", p).isEqualTo(expected);
        }
    }

    // ---- callbacks -----------------------------------------------------------------------------

    @Test
    void aSubscriberMayLeaveTheBrokerFromItsEvictionCallback() {
        RecordingSubscriber fine = listen("news.>");
        Subscriber leaving = new Subscriber() {
            @Override
            public boolean offer(String channel, Payload payload) {
                return false;
            }

            @Override
            public void evictSlow() {
                unsubscribeAll(this);
            }
        };
        subscribe(leaving, "news.>", "");
        subscribe(leaving, "news.eu", "");

        assertThat(publish("news.eu", "x")).isEqualTo(1);

        assertThat(subscriptionCount(leaving)).isZero();
        assertThat(publish("news.eu", "y")).isEqualTo(1);
        assertThat(fine.received).containsExactly("news.eu x", "news.eu y");
    }

    /** The work of one of several threads; {@code thread} numbers them from 0. */
    private interface ThreadWork<T> {
        T run(int thread) throws Exception;
    }

    /** Runs {@code work} on {@code threads} threads released at the same moment; their results, in thread order. */
    private static <T> List<T> onThreadsAtOnce(int threads, ThreadWork<T> work) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<T>> futures = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int thread = t;
                futures.add(pool.submit(() -> {
                    start.await();
                    return work.run(thread);
                }));
            }
            start.countDown();
            List<T> results = new ArrayList<>();
            for (Future<T> f : futures) results.add(f.get(THREADS_WAIT.toMillis(), TimeUnit.MILLISECONDS));
            return results;
        } finally {
            pool.shutdownNow();
        }
    }

    private static RecordingSubscriber receiverOf(List<RecordingSubscriber> members, String message) {
        List<RecordingSubscriber> got = members.stream().filter(m -> m.received.contains(message)).toList();
        assertThat(got).as("receivers of %s", message).hasSize(1);
        return got.get(0);
    }

    // ---- topic presence ---------------------------------------------------------------------------

    @Test
    void presenceCountsTheSubscriptionsOfExactlyAPatternAndListsABoundedFew() {
        List<RecordingSubscriber> plain = new ArrayList<>();
        for (int i = 0; i < 3; i++) plain.add(listen("room.1"));
        RecordingSubscriber w1 = new RecordingSubscriber("w1");
        RecordingSubscriber w2 = new RecordingSubscriber("w2");
        assertThat(subscribe(w1, "room.1", "workers")).isEqualTo(SubscribeResult.SUBSCRIBED);
        assertThat(subscribe(w2, "room.1", "workers")).isEqualTo(SubscribeResult.SUBSCRIBED);
        RecordingSubscriber wildcard = listen("room.*");

        TopicPresence room = broker.presence("room.1", 10);
        assertThat(room.count()).isEqualTo(5);
        assertThat(room.members()).containsExactlyInAnyOrder(plain.get(0), plain.get(1), plain.get(2), w1, w2);
        assertThat(broker.presence("room.1", 2).members()).hasSize(2);
        assertThat(broker.presence("room.1", 0)).isEqualTo(new TopicPresence(5, List.of()));
        assertThat(broker.presence("room.*", 10).members()).containsExactly(wildcard);
        assertThat(broker.presence("room.2", 10)).isEqualTo(TopicPresence.NOBODY);
        assertThat(broker.presence("room", 10).count()).as("a prefix of a pattern is not the pattern").isZero();

        subscribe(plain.get(0), "room.1", ""); // again: idempotent, not counted twice
        assertThat(broker.presence("room.1", 0).count()).isEqualTo(5);
        unsubscribe(plain.get(0), "room.1", "");
        unsubscribe(w1, "room.1", "workers");
        unsubscribe(w1, "room.1", "workers"); // gone already: ignored
        assertThat(broker.presence("room.1", 10).count()).isEqualTo(3);
        unsubscribeAll(plain.get(1));
        unsubscribeAll(plain.get(2));
        unsubscribeAll(w2);
        assertThat(broker.presence("room.1", 10)).isEqualTo(TopicPresence.NOBODY);
    }

    @Test
    void presenceCountsStayExactUnderConcurrentSubscribesAndUnsubscribes() throws Exception {
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(4);
        try {
            List<java.util.concurrent.Future<List<RecordingSubscriber>>> done = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                int thread = t;
                done.add(pool.submit(() -> {
                    List<RecordingSubscriber> kept = new ArrayList<>();
                    for (int i = 0; i < 500; i++) {
                        RecordingSubscriber s = new RecordingSubscriber("t" + thread + "-" + i);
                        String group = i % 4 == 0 ? "g" : "";
                        subscribe(s, "busy.topic", group);
                        if (i % 2 == 0) unsubscribe(s, "busy.topic", group);
                        else kept.add(s);
                    }
                    return kept;
                }));
            }
            int kept = 0;
            for (java.util.concurrent.Future<List<RecordingSubscriber>> f : done) kept += f.get(60, TimeUnit.SECONDS).size();
            assertThat(broker.presence("busy.topic", 0).count()).isEqualTo(kept).isEqualTo(1_000);
        } finally {
            pool.shutdownNow();
        }
    }
}
