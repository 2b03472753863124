package dev.switchboard.core.pubsub;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.protocol.Payload;
import java.util.concurrent.CompletionStage;
import org.junit.jupiter.api.Test;

class InMemoryBrokerTest extends BrokerContract {
    @Override
    protected Broker newBroker(int maxSubscriptionsPerSubscriber) {
        return new InMemoryBroker(maxSubscriptionsPerSubscriber);
    }

    private final InMemoryBroker memory = new InMemoryBroker(0);

    @Test
    void everyStageIsCompleteWhenTheCallReturns() {
        RecordingSubscriber s = new RecordingSubscriber("s");
        assertThat(done(memory.subscribe(s, "a", ""))).isEqualTo(SubscribeResult.SUBSCRIBED);
        assertThat(done(memory.publish("a", Payload.ofUtf8("x"))).delivered()).isEqualTo(1);
        assertThat(s.received).containsExactly("a x");
        done(memory.unsubscribe(s, "a", ""));
        done(memory.unsubscribeAll(s));
        assertThat(memory.subscriptionCount(s)).isZero();
    }

    @Test
    void aNewInstanceStartsANewEpoch() {
        StreamPosition before = done(memory.publish("a", Payload.ofUtf8("x"))).position();
        StreamPosition after = done(new InMemoryBroker(0).publish("a", Payload.ofUtf8("x"))).position();

        assertThat(after.epoch()).isNotEqualTo(before.epoch());
        assertThat(after.offset()).isEqualTo(1);
    }

    @Test
    void theIndexIsATrieOfThePatternsListenedTo() {
        RecordingSubscriber s = new RecordingSubscriber("s");
        memory.subscribe(s, "a.b.c", "");
        memory.subscribe(s, "a", "");
        memory.subscribe(s, "a.b.d", "");
        assertThat(memory.indexSize()).isEqualTo(4); // a, a.b, a.b.c, a.b.d

        memory.unsubscribe(s, "a.b.c", "");
        assertThat(memory.indexSize()).isEqualTo(3); // a.b stays for a.b.d
        memory.unsubscribe(s, "a.b.d", "");
        assertThat(memory.indexSize()).isEqualTo(1); // a, which still has its member
        assertThat(done(memory.publish("a", Payload.ofUtf8("y"))).delivered()).isEqualTo(1);

        memory.unsubscribe(s, "a", "");
        assertThat(memory.indexSize()).isZero();
    }

    private static <T> T done(CompletionStage<T> stage) {
        assertThat(stage.toCompletableFuture()).isDone();
        return stage.toCompletableFuture().join();
    }
}
