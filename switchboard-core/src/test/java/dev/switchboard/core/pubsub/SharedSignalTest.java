package dev.switchboard.core.pubsub;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.core.session.Outbox;
import dev.switchboard.protocol.Payload;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** A publish makes one signal for all its subscribers, and each wire format encodes it once. */
class SharedSignalTest {
    /** A subscriber that keeps the signal objects it is handed. */
    private static final class Keeper implements Subscriber {
        final List<Signal> got = new ArrayList<>();

        @Override
        public boolean offer(Signal signal) {
            got.add(signal);
            return true;
        }

        @Override
        public boolean offer(String channel, Payload payload) {
            throw new AssertionError("the topic tree hands the shared signal");
        }

        @Override
        public void evictSlow() {
        }
    }

    @Test
    void everySubscriberOfAPublishGetsTheSameSignalAndItIsEncodedOncePerFormat() {
        TopicTree tree = new TopicTree();
        List<Keeper> keepers = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            Keeper k = new Keeper();
            keepers.add(k);
            tree.subscribe(k, i % 2 == 0 ? "jobs.done" : "jobs.*", "", 0);
        }
        assertThat(tree.publish("jobs.done", Payload.ofUtf8("built"))).isEqualTo(50);

        Signal first = keepers.get(0).got.get(0);
        assertThat(keepers).allSatisfy(k -> assertThat(k.got).singleElement().isSameAs(first));
        assertThat(first.channel()).isEqualTo("jobs.done");
        assertThat(first.payload().utf8()).isEqualTo("built");

        AtomicInteger encodes = new AtomicInteger();
        Signal.Encoding<String> upper = new Signal.Encoding<>(s -> {
            encodes.incrementAndGet();
            return s.payload().utf8().toUpperCase();
        });
        for (Keeper k : keepers) assertThat(k.got.get(0).encoded(upper)).isEqualTo("BUILT");
        assertThat(encodes).hasValue(1);
    }

    @Test
    void theReplayBufferKeepsTheSharedSignalWithEachSessionsOwnNumber() {
        Signal signal = new Signal("a", Payload.ofUtf8("x"));
        Outbox one = new Outbox(10);
        Outbox two = new Outbox(10);
        two.append(new Signal("a", Payload.ofUtf8("earlier")));
        assertThat(one.append(signal)).isEqualTo(1);
        assertThat(two.append(signal)).isEqualTo(2);
        assertThat(one.after(0).get(0).event()).isSameAs(two.after(1).get(0).event());
        assertThat(two.after(1).get(0).message()).containsEntry("seq", 2L).containsEntry("channel", "a");
        assertThat(one.bufferedBytes()).isEqualTo(signal.sizeEstimate());
    }
}
