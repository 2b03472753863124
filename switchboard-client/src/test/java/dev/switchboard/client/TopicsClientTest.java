package dev.switchboard.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.switchboard.protocol.Payload;
import dev.switchboard.server.Switchboard;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Topics through the Java client: subscribe with wildcards, publish, history, and recovery from a position. */
class TopicsClientTest {
    private static final AtomicInteger TOPICS = new AtomicInteger();
    private static Switchboard server;

    private final List<SwitchboardClient> clients = new ArrayList<>();
    private String prefix;

    @BeforeAll
    static void startServer() {
        server = Switchboard.builder().port(0).topicHistory("kept.>=100").shutdownTimeout(Duration.ofSeconds(1)).start();
    }

    @AfterAll
    static void stopServer() {
        server.close();
    }

    @BeforeEach
    void pickPrefix() {
        prefix = "t" + TOPICS.incrementAndGet();
    }

    @AfterEach
    void closeClients() {
        clients.forEach(SwitchboardClient::close);
    }

    private SwitchboardClient client() {
        SwitchboardClient c = SwitchboardClient.connect("127.0.0.1", server.port());
        clients.add(c);
        return c;
    }

    @Test
    void aWildcardSubscriptionGetsEveryMatchingTopicInOrder() {
        SwitchboardClient sub = client();
        SwitchboardClient pub = client();
        List<TopicMessage> got = new CopyOnWriteArrayList<>();
        sub.subscribe(prefix + ".*", got::add);
        for (int i = 0; i < 20; i++) {
            Published p = pub.publish(prefix + ".t" + (i % 2), Payload.ofUtf8("m" + i));
            assertThat(p.delivered()).isEqualTo(1);
        }
        pub.publish(prefix + ".a.deeper", Payload.ofUtf8("not for *"));
        await().atMost(Duration.ofSeconds(10)).until(() -> got.size() >= 20);
        assertThat(got).extracting(m -> m.payload().utf8()).containsExactlyElementsOf(
                java.util.stream.IntStream.range(0, 20).mapToObj(i -> "m" + i).toList());
        assertThat(got).extracting(TopicMessage::topic).allMatch(t -> t.startsWith(prefix + ".t"));
    }

    @Test
    void publishingToAWildcardIsRefused() {
        SwitchboardClient pub = client();
        assertThatThrownBy(() -> pub.publish(prefix + ".*", Payload.ofUtf8("x")))
                .isInstanceOf(InvalidArgumentException.class);
    }

    @Test
    void aTopicWithHistoryNumbersItsMessagesAndHandsBackTheBacklog() {
        SwitchboardClient pub = client();
        String topic = "kept." + prefix;
        Published first = pub.publish(topic, Payload.ofUtf8("one"));
        Published second = pub.publish(topic, Payload.ofUtf8("two"));
        pub.publish(topic, Payload.ofUtf8("three"));
        assertThat(first.epoch()).isNotNull();
        assertThat(second.offset()).isEqualTo(first.offset() + 1);

        assertThat(pub.history(topic, 0, null)).extracting(m -> m.payload().utf8()).containsExactly("one", "two", "three");
        assertThat(pub.history(topic, 0, new TopicPosition(first.offset(), first.epoch())))
                .extracting(m -> m.payload().utf8()).containsExactly("two", "three");

        SwitchboardClient late = client();
        List<TopicMessage> got = new CopyOnWriteArrayList<>();
        TopicSubscription s = late.subscribe(topic, null, new TopicPosition(first.offset(), first.epoch()), got::add);
        await().atMost(Duration.ofSeconds(10)).until(() -> got.size() >= 2);
        assertThat(s.recovered()).isTrue();
        assertThat(got).extracting(m -> m.payload().utf8()).containsExactly("two", "three");
        pub.publish(topic, Payload.ofUtf8("four"));
        await().atMost(Duration.ofSeconds(10)).until(() -> got.size() >= 3);
        assertThat(s.position().offset()).isEqualTo(first.offset() + 3);
    }

    @Test
    void aPositionFromAnotherEpochIsNotRecovered() {
        SwitchboardClient pub = client();
        String topic = "kept." + prefix;
        pub.publish(topic, Payload.ofUtf8("one"));
        SwitchboardClient sub = client();
        TopicSubscription s = sub.subscribe(topic, null, new TopicPosition(1, "not-this-epoch"), m -> { });
        assertThat(s.recovered()).isFalse();
    }

    @Test
    void closingASubscriptionStopsItsMessages() {
        SwitchboardClient sub = client();
        SwitchboardClient pub = client();
        List<TopicMessage> got = new CopyOnWriteArrayList<>();
        TopicSubscription s = sub.subscribe(prefix + ".x", got::add);
        pub.publish(prefix + ".x", Payload.ofUtf8("before"));
        await().atMost(Duration.ofSeconds(10)).until(() -> got.size() == 1);
        s.close();
        assertThat(pub.publish(prefix + ".x", Payload.ofUtf8("after")).delivered()).isZero();
    }

    @Test
    void binaryAndJsonPayloadsArriveAsSent() {
        SwitchboardClient sub = client();
        SwitchboardClient pub = client();
        List<TopicMessage> got = new CopyOnWriteArrayList<>();
        sub.subscribe(prefix + ".bin", got::add);
        Payload bytes = Payload.binary(new byte[] {0, 1, (byte) 0xfe, (byte) 0xff});
        Payload json = dev.switchboard.protocol.PayloadFields.fromValue(java.util.Map.of("k", List.of(1, 2)));
        pub.publish(prefix + ".bin", bytes);
        pub.publish(prefix + ".bin", json);
        await().atMost(Duration.ofSeconds(10)).until(() -> got.size() == 2);
        assertThat(got.get(0).payload()).isEqualTo(bytes);
        assertThat(got.get(1).payload()).isEqualTo(json);
    }
}
