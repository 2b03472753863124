package dev.switchboard.core.pubsub;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class TopicTreeTest {
    private final TopicTree tree = new TopicTree();

    private RecordingSubscriber listen(String pattern) {
        RecordingSubscriber s = new RecordingSubscriber(pattern);
        assertThat(tree.subscribe(s, pattern, "", 0)).isTrue();
        return s;
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

        int delivered = tree.publish(channel, "hi");

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

        assertThat(tree.publish("orders.eu", "p1")).isEqualTo(4);

        for (RecordingSubscriber s : List.of(exact, star, tail, all)) {
            assertThat(s.received).containsExactly("orders.eu p1");
        }
        assertThat(other.received).isEmpty();
    }

    @Test
    void publishWithNoSubscribersDeliversNothing() {
        assertThat(tree.publish("nobody.listens", "x")).isZero();
        listen("a.b");
        assertThat(tree.publish("a", "x")).isZero();
    }

    // ---- de-duplication -------------------------------------------------------------------------

    @Test
    void aSubscriberWithExactAndWildcardSubscriptionsGetsOneCopy() {
        RecordingSubscriber s = new RecordingSubscriber("s");
        tree.subscribe(s, "a.b", "", 0);
        tree.subscribe(s, "a.*", "", 0);
        tree.subscribe(s, "a.>", "", 0);
        tree.subscribe(s, ">", "", 0);

        assertThat(tree.publish("a.b", "x")).isEqualTo(1);
        assertThat(s.received).containsExactly("a.b x");
    }

    @Test
    void wildcardSubscriptionsOfOneSubscriberAreDeduplicatedToo() {
        RecordingSubscriber s = new RecordingSubscriber("s");
        tree.subscribe(s, "a.*", "", 0);
        tree.subscribe(s, "a.>", "", 0);

        assertThat(tree.publish("a.b", "x")).isEqualTo(1);
        assertThat(s.received).containsExactly("a.b x");
    }

    @Test
    void exactSubscriptionCreatedAfterAWildcardOnTheSamePathIsDeduplicated() {
        RecordingSubscriber s = new RecordingSubscriber("s");
        RecordingSubscriber t = new RecordingSubscriber("t");
        tree.subscribe(s, "a.>", "", 0);
        tree.subscribe(s, "a", "", 0);
        tree.subscribe(t, "a.b", "", 0);
        tree.subscribe(t, "a.*", "", 0);

        assertThat(tree.publish("a", "x")).isEqualTo(1);
        assertThat(tree.publish("a.b", "y")).isEqualTo(2);
        assertThat(s.received).containsExactly("a x", "a.b y");
        assertThat(t.received).containsExactly("a.b y");
    }

    @Test
    void groupsAreIndependentOfTheDeduplication() {
        RecordingSubscriber s = new RecordingSubscriber("s");
        tree.subscribe(s, "a.b", "", 0);
        tree.subscribe(s, "a.*", "", 0);
        tree.subscribe(s, "a.*", "workers", 0);
        tree.subscribe(s, "a.b", "workers", 0);
        tree.subscribe(s, "a.>", "audit", 0);

        // One plain copy, then one per group: exact "workers", wildcard "workers", wildcard "audit".
        assertThat(tree.publish("a.b", "x")).isEqualTo(4);
        assertThat(s.received).hasSize(4).containsOnly("a.b x");
    }

    // ---- queue groups ---------------------------------------------------------------------------

    @Test
    void aQueueGroupDeliversToOneMemberRoundRobin() {
        List<RecordingSubscriber> members = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            RecordingSubscriber m = new RecordingSubscriber("m" + i);
            members.add(m);
            tree.subscribe(m, "jobs", "workers", 0);
        }

        List<RecordingSubscriber> order = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            assertThat(tree.publish("jobs", "j" + i)).isEqualTo(1);
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
        tree.subscribe(a, "jobs.>", "g", 0);
        tree.subscribe(b, "jobs.>", "g", 0);

        for (int i = 0; i < 10; i++) {
            assertThat(tree.publish("jobs.x." + i, "p")).isEqualTo(1);
        }
        assertThat(a.count()).isEqualTo(5);
        assertThat(b.count()).isEqualTo(5);
    }

    @Test
    void differentGroupsOnOnePatternEachGetACopy() {
        RecordingSubscriber a = new RecordingSubscriber("a");
        RecordingSubscriber b = new RecordingSubscriber("b");
        RecordingSubscriber plain = new RecordingSubscriber("plain");
        tree.subscribe(a, "jobs", "g1", 0);
        tree.subscribe(b, "jobs", "g2", 0);
        tree.subscribe(plain, "jobs", "", 0);

        assertThat(tree.publish("jobs", "p")).isEqualTo(3);
        assertThat(a.count()).isEqualTo(1);
        assertThat(b.count()).isEqualTo(1);
        assertThat(plain.count()).isEqualTo(1);
    }

    @Test
    void aFullGroupMemberIsSkippedWithoutBeingEvicted() {
        RecordingSubscriber a = new RecordingSubscriber("a");
        RecordingSubscriber b = new RecordingSubscriber("b");
        RecordingSubscriber c = new RecordingSubscriber("c");
        for (RecordingSubscriber m : List.of(a, b, c)) tree.subscribe(m, "jobs", "g", 0);
        b.full = true;

        for (int i = 0; i < 6; i++) {
            assertThat(tree.publish("jobs", "j" + i)).isEqualTo(1);
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
        tree.subscribe(a, "jobs", "g", 0);
        tree.subscribe(b, "jobs", "g", 0);
        assertThat(tree.publish("jobs", "first")).isEqualTo(1);
        RecordingSubscriber got = receiverOf(List.of(a, b), "jobs first");
        RecordingSubscriber next = got == a ? b : a;

        a.full = true;
        b.full = true;
        assertThat(tree.publish("jobs", "second")).isZero();

        assertThat(next.evictions.get()).isEqualTo(1);
        assertThat(got.evictions.get()).isZero();
    }

    @Test
    void aFullPlainSubscriberIsEvictedAndNotCounted() {
        RecordingSubscriber slow = listen("news");
        RecordingSubscriber fine = listen("news");
        slow.full = true;

        assertThat(tree.publish("news", "x")).isEqualTo(1);

        assertThat(slow.evictions.get()).isEqualTo(1);
        assertThat(slow.received).isEmpty();
        assertThat(fine.received).containsExactly("news x");
        assertThat(fine.evictions.get()).isZero();
    }

    // ---- subscription management ----------------------------------------------------------------

    @Test
    void subscribeIsIdempotentPerPatternAndGroup() {
        RecordingSubscriber s = new RecordingSubscriber("s");
        assertThat(tree.subscribe(s, "a", "", 0)).isTrue();
        assertThat(tree.subscribe(s, "a", "", 0)).isTrue();
        assertThat(tree.subscribe(s, "a", null, 0)).isTrue();
        assertThat(tree.subscriptionCount(s)).isEqualTo(1);

        assertThat(tree.publish("a", "x")).isEqualTo(1);
        assertThat(s.received).containsExactly("a x");
        assertThat(tree.channels()).containsExactly(new TopicTree.ChannelInfo("a", "", 1));

        tree.subscribe(s, "a", "g", 0);
        tree.subscribe(s, "a", "g", 0);
        assertThat(tree.subscriptionCount(s)).isEqualTo(2);
        assertThat(tree.publish("a", "y")).isEqualTo(2);
    }

    @Test
    void maxSubscriptionsCapsNewSubscriptionsPerSubscriber() {
        RecordingSubscriber s = new RecordingSubscriber("s");
        RecordingSubscriber other = new RecordingSubscriber("other");
        assertThat(tree.subscribe(s, "a", "", 2)).isTrue();
        assertThat(tree.subscribe(s, "b.*", "", 2)).isTrue();

        assertThat(tree.subscribe(s, "c", "", 2)).isFalse();
        assertThat(tree.subscribe(s, "a", "g", 2)).isFalse();
        // Re-subscribing to an existing one is not a new subscription.
        assertThat(tree.subscribe(s, "a", "", 2)).isTrue();
        // The cap is per subscriber.
        assertThat(tree.subscribe(other, "c", "", 2)).isTrue();
        assertThat(tree.subscriptionCount(s)).isEqualTo(2);
        assertThat(tree.publish("c", "x")).isEqualTo(1);
        assertThat(s.received).isEmpty();

        tree.unsubscribe(s, "a", "");
        assertThat(tree.subscribe(s, "c", "", 2)).isTrue();
        assertThat(tree.subscriptionCount(s)).isEqualTo(2);
    }

    @Test
    void unsubscribeRemovesExactlyThatSubscription() {
        RecordingSubscriber s = new RecordingSubscriber("s");
        tree.subscribe(s, "a.*", "", 0);
        tree.subscribe(s, "a.*", "g", 0);
        tree.subscribe(s, "a.b", "", 0);

        tree.unsubscribe(s, "a.*", "");
        assertThat(tree.publish("a.c", "1")).as("only the group remains on a.*").isEqualTo(1);
        tree.unsubscribe(s, "a.*", "g");
        assertThat(tree.publish("a.c", "2")).isZero();
        assertThat(tree.publish("a.b", "3")).isEqualTo(1);
        // Unknown triples are ignored.
        tree.unsubscribe(s, "never", "");
        tree.unsubscribe(new RecordingSubscriber("x"), "a.b", "");
        assertThat(tree.subscriptionCount(s)).isEqualTo(1);

        tree.unsubscribe(s, "a.b", "");
        assertThat(tree.subscriptionCount(s)).isZero();
        assertThat(tree.publish("a.b", "4")).isZero();
        assertThat(tree.channels()).isEmpty();
        assertThat(s.received).containsExactly("a.c 1", "a.b 3");
    }

    @Test
    void unsubscribeAllDropsEverySubscriptionOfOneSubscriber() {
        RecordingSubscriber s = new RecordingSubscriber("s");
        RecordingSubscriber t = new RecordingSubscriber("t");
        tree.subscribe(s, "a", "", 0);
        tree.subscribe(s, "a.>", "", 0);
        tree.subscribe(s, "jobs", "g", 0);
        tree.subscribe(t, "jobs", "g", 0);
        tree.subscribe(t, "a", "", 0);

        tree.unsubscribeAll(s);
        tree.unsubscribeAll(s);

        assertThat(tree.subscriptionCount(s)).isZero();
        assertThat(tree.publish("a", "x")).isEqualTo(1);
        assertThat(tree.publish("a.b", "x")).isZero();
        for (int i = 0; i < 4; i++) tree.publish("jobs", "j" + i);
        assertThat(s.received).isEmpty();
        assertThat(t.count()).isEqualTo(5);
        assertThat(tree.channels()).containsExactly(
                new TopicTree.ChannelInfo("a", "", 1),
                new TopicTree.ChannelInfo("jobs", "g", 1));
    }

    @Test
    void channelsListsPatternsAndGroupsWithListenerCounts() {
        RecordingSubscriber a = new RecordingSubscriber("a");
        RecordingSubscriber b = new RecordingSubscriber("b");
        RecordingSubscriber c = new RecordingSubscriber("c");
        tree.subscribe(a, "x.>", "g", 0);
        tree.subscribe(b, "x.>", "g", 0);
        tree.subscribe(c, "x.>", "", 0);
        tree.subscribe(a, "b.c", "", 0);
        tree.subscribe(b, "b.c", "", 0);
        tree.subscribe(c, "x.>", "a-group", 0);

        assertThat(tree.channels()).containsExactly(
                new TopicTree.ChannelInfo("b.c", "", 2),
                new TopicTree.ChannelInfo("x.>", "", 1),
                new TopicTree.ChannelInfo("x.>", "a-group", 1),
                new TopicTree.ChannelInfo("x.>", "g", 2));
    }

    @Test
    void concurrentSubscribersAndPublishersSeeAConsistentTree() throws Exception {
        int threads = 4;
        int perThread = 200;
        ExecutorService pool = Executors.newFixedThreadPool(threads + 1);
        try {
            Map<Integer, RecordingSubscriber> subs = new ConcurrentHashMap<>();
            CountDownLatch start = new CountDownLatch(1);
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int thread = t;
                futures.add(pool.submit(() -> {
                    start.await();
                    for (int i = 0; i < perThread; i++) {
                        RecordingSubscriber s = new RecordingSubscriber("s" + thread + "-" + i);
                        subs.put(thread * perThread + i, s);
                        tree.subscribe(s, "load." + thread + "." + i, "", 0);
                        tree.subscribe(s, "load.>", "", 0);
                    }
                    return null;
                }));
            }
            futures.add(pool.submit(() -> {
                start.await();
                for (int i = 0; i < 500; i++) tree.publish("load.0.0", "x");
                return null;
            }));
            start.countDown();
            for (Future<?> f : futures) f.get(10, TimeUnit.SECONDS);

            assertThat(tree.publish("load.3.7", "final")).isEqualTo(threads * perThread);
            assertThat(subs.get(3 * perThread + 7).received).last().isEqualTo("load.3.7 final");
            assertThat(tree.channels()).hasSize(threads * perThread + 1);
        } finally {
            pool.shutdownNow();
        }
    }

    // ---- memory: the trie keeps only the paths someone listens to ------------------------------

    @Test
    void unsubscribingManyDistinctPatternsLeavesNoNodes() {
        RecordingSubscriber s = new RecordingSubscriber("s");
        for (int i = 0; i < 10_000; i++) {
            assertThat(tree.subscribe(s, "jobs." + i + ".done", "", 0)).isTrue();
            assertThat(tree.subscribe(s, "jobs." + i + ".*", "g" + i, 0)).isTrue();
        }
        assertThat(tree.nodeCount()).isEqualTo(1 + 10_000 * 3);

        for (int i = 0; i < 10_000; i++) {
            tree.unsubscribe(s, "jobs." + i + ".done", "");
            tree.unsubscribe(s, "jobs." + i + ".*", "g" + i);
        }

        assertThat(tree.nodeCount()).isZero();
        assertThat(tree.channels()).isEmpty();
        assertThat(tree.publish("jobs.1.done", "x")).isZero();
    }

    @Test
    void aSubscriberLeavingDropsTheNodesOfAllItsPatterns() {
        List<RecordingSubscriber> subs = new ArrayList<>();
        for (int i = 0; i < 1_000; i++) {
            RecordingSubscriber s = new RecordingSubscriber("s" + i);
            subs.add(s);
            tree.subscribe(s, "session." + i + ".events", "", 0);
            tree.subscribe(s, "session." + i + ".>", "workers", 0);
        }
        subs.forEach(tree::unsubscribeAll);

        assertThat(tree.nodeCount()).isZero();
    }

    @Test
    void aSharedPrefixStaysWhileAnotherPatternStillUsesIt() {
        RecordingSubscriber s = new RecordingSubscriber("s");
        tree.subscribe(s, "a.b.c", "", 0);
        tree.subscribe(s, "a", "", 0);
        tree.subscribe(s, "a.b.d", "", 0);

        tree.unsubscribe(s, "a.b.c", "");
        assertThat(tree.nodeCount()).isEqualTo(3); // a, a.b, a.b.d
        assertThat(tree.publish("a.b.d", "x")).isEqualTo(1);

        tree.unsubscribe(s, "a.b.d", "");
        assertThat(tree.nodeCount()).isEqualTo(1); // a, which still has its member
        assertThat(tree.publish("a", "y")).isEqualTo(1);
        assertThat(s.received).containsExactly("a.b.d x", "a y");

        tree.unsubscribe(s, "a", "");
        assertThat(tree.nodeCount()).isZero();
    }

    @Test
    void aPatternListenedAgainAfterItsNodesWereDroppedStillMatches() {
        RecordingSubscriber s = listen("x.*");
        tree.unsubscribe(s, "x.*", "");
        assertThat(tree.nodeCount()).isZero();

        assertThat(tree.subscribe(s, "x.*", "", 0)).isTrue();
        assertThat(tree.publish("x.y", "again")).isEqualTo(1);
        assertThat(s.received).containsExactly("x.y again");
    }

    @Test
    void publishersRunningWhileNodesAreDroppedDeliverToWhoeverStillListens() throws Exception {
        RecordingSubscriber steady = listen("churn.>");
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            CountDownLatch start = new CountDownLatch(1);
            Future<?> churn = pool.submit(() -> {
                start.await();
                RecordingSubscriber s = new RecordingSubscriber("churner");
                for (int i = 0; i < 5_000; i++) {
                    tree.subscribe(s, "churn." + (i % 50) + ".x", "", 0);
                    tree.unsubscribe(s, "churn." + (i % 50) + ".x", "");
                }
                return null;
            });
            Future<?> publisher = pool.submit(() -> {
                start.await();
                for (int i = 0; i < 2_000; i++) {
                    assertThat(tree.publish("churn." + (i % 50) + ".x", "m")).isGreaterThanOrEqualTo(1);
                }
                return null;
            });
            start.countDown();
            churn.get(10, TimeUnit.SECONDS);
            publisher.get(10, TimeUnit.SECONDS);
        } finally {
            pool.shutdownNow();
        }
        assertThat(steady.count()).isEqualTo(2_000);
        assertThat(tree.nodeCount()).isEqualTo(2); // churn, churn.>
    }

    private static RecordingSubscriber receiverOf(List<RecordingSubscriber> members, String message) {
        List<RecordingSubscriber> got = members.stream().filter(m -> m.received.contains(message)).toList();
        assertThat(got).as("receivers of %s", message).hasSize(1);
        return got.get(0);
    }
}
