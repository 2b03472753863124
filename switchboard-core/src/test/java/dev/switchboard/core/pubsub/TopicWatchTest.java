package dev.switchboard.core.pubsub;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * A topic join/leave watch on an executor the test runs by hand: events wait (bounded) until the
 * watch starts and drains, in order; one more than the bound drops them and the next drain sends
 * a resync with the count, followed by what changed after it.
 */
class TopicWatchTest {
    private final ArrayDeque<Runnable> executor = new ArrayDeque<>();
    private final List<Map<String, Object>> emitted = new ArrayList<>();
    private final AtomicInteger overflows = new AtomicInteger();
    private final AtomicInteger count = new AtomicInteger();

    private TopicWatch watch(int maxQueued) {
        return new TopicWatch("room.1", emitted::add, executor::add, maxQueued, count::get, overflows::incrementAndGet);
    }

    private void runAll() {
        for (int i = 0; i < 100 && !executor.isEmpty(); i++) executor.poll().run();
        assertThat(executor).isEmpty();
    }

    private List<String> ops() {
        List<String> out = new ArrayList<>();
        for (Map<String, Object> e : emitted) out.add(e.get("op") + (e.containsKey("peer") ? " " + e.get("peer") : " count=" + e.get("count")));
        return out;
    }

    @Test
    void eventsWaitForTheStartThenGoOutInOrder() {
        TopicWatch w = watch(8);
        w.changed(TopicWatches.JOIN_EVENT, "a");
        w.changed(TopicWatches.JOIN_EVENT, "b");
        assertThat(executor).as("nothing is handed over before the answer").isEmpty();
        w.start();
        w.changed(TopicWatches.LEAVE_EVENT, "a");
        runAll();
        assertThat(ops()).containsExactly("topic.join a", "topic.join b", "topic.leave a");
        assertThat(emitted.get(0)).containsEntry("topic", "room.1");
        assertThat(overflows).hasValue(0);
    }

    @Test
    void aWatcherThatFallsBehindGetsAResyncWithTheCountThenLaterChanges() {
        TopicWatch w = watch(2);
        w.start();
        w.changed(TopicWatches.JOIN_EVENT, "a");
        w.changed(TopicWatches.JOIN_EVENT, "b");
        w.changed(TopicWatches.JOIN_EVENT, "c"); // one past the bound: dropped, a resync is owed
        w.changed(TopicWatches.JOIN_EVENT, "d"); // covered by the resync
        assertThat(overflows).hasValue(1);
        count.set(4);
        executor.poll().run(); // the drain: the resync, and recording again
        w.changed(TopicWatches.LEAVE_EVENT, "a");
        runAll();
        assertThat(ops()).containsExactly("topic.presence.resync count=4", "topic.leave a");
    }

    @Test
    void aClosedWatchHandsNothingOver() {
        TopicWatch w = watch(4);
        w.start();
        w.changed(TopicWatches.JOIN_EVENT, "a");
        w.close();
        w.changed(TopicWatches.JOIN_EVENT, "b");
        runAll();
        assertThat(emitted).isEmpty();
    }
}
