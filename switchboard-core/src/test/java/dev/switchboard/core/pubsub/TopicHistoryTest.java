package dev.switchboard.core.pubsub;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.switchboard.protocol.Payload;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** Topic histories through the broker: offsets, epochs, recovery from an offset, and every bound. */
class TopicHistoryTest {
    private final AtomicLong now = new AtomicLong(1_000_000);

    private InMemoryBroker broker(long maxBytes, int maxTopics, String... rules) {
        List<HistoryRule> parsed = java.util.Arrays.stream(rules).map(HistoryRule::parse).toList();
        return new InMemoryBroker(0, new TopicHistories(new TopicHistories.Settings(parsed, maxBytes, maxTopics), now::get));
    }

    private static PublishResult publish(Broker b, String topic, String text) {
        return b.publish(topic, Payload.ofUtf8(text)).toCompletableFuture().join();
    }

    private static TopicPosition subscribe(Broker b, Subscriber s, String topic, Since since) {
        return b.subscribe(s, topic, "", since).toCompletableFuture().join();
    }

    @Test
    void messagesGetOffsetsFromOneAndTheTopicOneEpoch() {
        InMemoryBroker b = broker(0, 0, "orders.>=10");
        PublishResult r1 = publish(b, "orders.eu", "a");
        PublishResult r2 = publish(b, "orders.eu", "b");
        PublishResult other = publish(b, "orders.us", "c");
        assertThat(r1.position().offset()).isEqualTo(1);
        assertThat(r2.position().offset()).isEqualTo(2);
        assertThat(r2.position().epoch()).isEqualTo(r1.position().epoch()).hasSize(16);
        assertThat(other.position().offset()).isEqualTo(1);
        assertThat(other.position().epoch()).isNotEqualTo(r1.position().epoch());
        assertThat(b.keepsHistory("orders.eu")).isTrue();
        assertThat(b.keepsHistory("billing.x")).isFalse();
    }

    @Test
    void aSubscriberFromAnOffsetGetsTheBacklogThenLiveMessagesOnce() {
        InMemoryBroker b = broker(0, 0, "t=10");
        String epoch = null;
        for (int i = 1; i <= 5; i++) epoch = publish(b, "t", "m" + i).position().epoch();
        RecordingSubscriber s = new RecordingSubscriber("s");
        TopicPosition p = subscribe(b, s, "t", new Since(3, epoch));
        assertThat(p.recovered()).isTrue();
        assertThat(p.offset()).isEqualTo(5);
        assertThat(p.epoch()).isEqualTo(epoch);
        publish(b, "t", "m6");
        assertThat(s.received).containsExactly("t m4", "t m5", "t m6");
    }

    @Test
    void anOffsetThatFellOutOfTheHistoryIsNotRecoveredAndTheRestIsDelivered() {
        InMemoryBroker b = broker(0, 0, "t=3");
        String epoch = null;
        for (int i = 1; i <= 6; i++) epoch = publish(b, "t", "m" + i).position().epoch();
        RecordingSubscriber s = new RecordingSubscriber("s");
        TopicPosition p = subscribe(b, s, "t", new Since(1, epoch));
        assertThat(p.recovered()).isFalse();
        assertThat(p.firstOffset()).isEqualTo(4); // offsets 2 and 3 were missed
        assertThat(s.received).containsExactly("t m4", "t m5", "t m6");

        // Right at the edge: everything after offset 3 is still there.
        RecordingSubscriber edge = new RecordingSubscriber("edge");
        assertThat(subscribe(b, edge, "t", new Since(3, epoch)).recovered()).isTrue();
        assertThat(edge.count()).isEqualTo(3);
    }

    @Test
    void anotherEpochIsNotRecoveredAndGetsWhatTheNewHistoryHolds() {
        InMemoryBroker b = broker(0, 0, "t=10");
        publish(b, "t", "new1");
        RecordingSubscriber s = new RecordingSubscriber("s");
        TopicPosition p = subscribe(b, s, "t", new Since(7, "0123456789abcdef"));
        assertThat(p.recovered()).isFalse();
        assertThat(s.received).containsExactly("t new1");
        // A restart is a new broker: a new epoch for the same topic.
        InMemoryBroker restarted = broker(0, 0, "t=10");
        assertThat(publish(restarted, "t", "x").position().epoch()).isNotEqualTo(p.epoch());
    }

    @Test
    void fromTheStartMeansEverythingKeptAndIsRecoveredWhileNothingWasDropped() {
        InMemoryBroker b = broker(0, 0, "t=2");
        publish(b, "t", "a");
        publish(b, "t", "b");
        RecordingSubscriber s = new RecordingSubscriber("s");
        assertThat(subscribe(b, s, "t", Since.START).recovered()).isTrue();
        publish(b, "t", "c");
        RecordingSubscriber late = new RecordingSubscriber("late");
        assertThat(subscribe(b, late, "t", Since.START).recovered()).isFalse();
        assertThat(late.received).containsExactly("t b", "t c");
    }

    @Test
    void messagesOlderThanTheRuleAgeLeaveTheHistory() {
        InMemoryBroker b = broker(0, 0, "t=10:1000");
        publish(b, "t", "old");
        now.addAndGet(600);
        publish(b, "t", "young");
        now.addAndGet(600);
        TopicPosition h = b.history("t", null, 0).toCompletableFuture().join();
        assertThat(h.messages()).extracting(m -> m.payload().utf8()).containsExactly("young");
        assertThat(h.firstOffset()).isEqualTo(2);
    }

    @Test
    void theNodeWideByteCapDropsTheOldestMessageOfTheNodeWhateverItsTopic() {
        // Each entry counts its payload, its topic and 64 bytes: 100 + 1 + 64 = 165.
        InMemoryBroker b = broker(3 * 165, 0, ">=100");
        String payload = "x".repeat(100);
        publish(b, "a", payload);
        publish(b, "b", payload);
        publish(b, "a", payload);
        assertThat(b.histories().bytesDrops()).isZero();
        publish(b, "c", payload);
        assertThat(b.histories().bytesDrops()).isEqualTo(1);
        assertThat(b.histories().bytes()).isEqualTo(3 * 165);
        assertThat(b.history("a", null, 0).toCompletableFuture().join().messages())
                .extracting(m -> m.position().offset()).containsExactly(2L);
        assertThat(b.history("b", null, 0).toCompletableFuture().join().messages()).hasSize(1);
    }

    @Test
    void pastTheTopicCapTheLeastRecentlyUsedTopicIsForgottenAndStartsANewEpoch() {
        InMemoryBroker b = broker(0, 2, ">=10");
        String epochA = publish(b, "a", "1").position().epoch();
        publish(b, "b", "1");
        publish(b, "a", "2"); // a is now used more recently than b
        publish(b, "c", "1"); // b goes
        assertThat(b.histories().topics()).isEqualTo(2);
        assertThat(b.histories().topicDrops()).isEqualTo(1);
        assertThat(b.history("b", null, 0).toCompletableFuture().join().messages()).isEmpty();
        assertThat(publish(b, "a", "3").position().epoch()).isEqualTo(epochA);
        publish(b, "b", "again"); // a new history for b: c is the least recently used now
        PublishResult b2 = publish(b, "b", "again2");
        assertThat(b2.position().offset()).isEqualTo(2);
        // a's three messages (1 + 1 + 64 bytes each) and b's two: c's history was given back.
        assertThat(b.histories().snapshot()).containsOnlyKeys("a", "b");
        assertThat(b.histories().bytes()).isEqualTo(3 * 66 + (5 + 1 + 64) + (6 + 1 + 64));
        assertThat(b.histories().topicDrops()).isEqualTo(2);
    }

    @Test
    void aTopicWithoutARuleKeepsNothing() {
        InMemoryBroker b = broker(0, 0, "kept.*=5");
        publish(b, "other", "x");
        RecordingSubscriber s = new RecordingSubscriber("s");
        TopicPosition p = subscribe(b, s, "other", new Since(0, ""));
        assertThat(p.recovered()).isFalse();
        assertThat(p.epoch()).isEmpty();
        assertThat(s.count()).isZero();
        assertThat(b.histories().topics()).isZero();
    }

    @Test
    void badRulesAreRefusedWithTheReason() {
        assertThatThrownBy(() -> HistoryRule.parse("a.b")).hasMessageContaining("PATTERN=SIZE");
        assertThatThrownBy(() -> HistoryRule.parse("a.>.b=5")).hasMessageContaining("'>' must be the last token");
        assertThatThrownBy(() -> HistoryRule.parse("a=0")).hasMessageContaining("size must be");
        assertThatThrownBy(() -> HistoryRule.parse("a=5:x")).hasMessageContaining("whole numbers");
        assertThat(HistoryRule.parse(" orders.> = 5 : 100 ".replace(" ", ""))).isEqualTo(new HistoryRule("orders.>", 5, 100));
    }
}
