package dev.switchboard.core.session;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The replay buffer: numbering, both caps, acknowledgement and what counts as missed. */
class OutboxTest {
    private static SessionEvent event(String payload) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("op", "signal");
        m.put("payload", payload);
        return new FieldsEvent(m);
    }

    private static List<Long> seqs(List<Outbox.Event> events) {
        return events.stream().map(Outbox.Event::seq).toList();
    }

    @Test
    void eventsAreNumberedFromOneAndTheOldestGoesWhenFull() {
        Outbox o = new Outbox(3);
        for (int i = 0; i < 5; i++) o.append(event("e" + i));
        assertThat(seqs(o.after(0))).containsExactly(3L, 4L, 5L);
        assertThat(o.missedAfter(0)).isTrue();
        assertThat(o.missedAfter(2)).isFalse();
        assertThat(o.firstAvailable()).isEqualTo(3);
    }

    @Test
    void theByteCapDropsTheOldestButKeepsTheNewest() {
        Outbox o = new Outbox(100, 1024, 0);
        o.append(event("x".repeat(400)));
        o.append(event("y".repeat(400)));
        o.append(event("z".repeat(400)));
        assertThat(seqs(o.after(0))).containsExactly(2L, 3L);
        assertThat(o.bufferedBytes()).isLessThanOrEqualTo(1024);
        o.append(event("w".repeat(5000))); // larger than the cap on its own
        assertThat(seqs(o.after(0))).containsExactly(4L);
    }

    @Test
    void acknowledgedEventsAreNotMissed() {
        Outbox o = new Outbox(10);
        o.append(event("a"));
        o.append(event("b"));
        long before = o.bufferedBytes();
        o.acknowledge(2);
        assertThat(o.after(0)).isEmpty();
        assertThat(o.missedAfter(0)).isFalse();
        assertThat(o.bufferedBytes()).isLessThan(before).isZero();
    }

    @Test
    void aRestoredOutboxContinuesTheSequenceAndKnowsOlderEventsAreGone() {
        Outbox o = new Outbox(10, 1 << 20, 41);
        o.append(event("after restart"));
        assertThat(seqs(o.after(41))).containsExactly(42L);
        assertThat(o.missedAfter(41)).isFalse();
        assertThat(o.missedAfter(40)).isTrue();
    }

    @Test
    void pastTheNodesBudgetTheSessionThatAddsDropsItsOwnOldestAndAnEndedOneGivesItsBytesBack() {
        long eventBytes = event("x".repeat(100)).sizeEstimate();
        ReplayBudget budget = new ReplayBudget(eventBytes * 5);
        Outbox quiet = new Outbox(100, Long.MAX_VALUE, 0, budget);
        Outbox busy = new Outbox(100, Long.MAX_VALUE, 0, budget);
        quiet.append(event("x".repeat(100)));
        quiet.append(event("x".repeat(100)));
        for (int i = 0; i < 10; i++) busy.append(event("x".repeat(100)));

        assertThat(budget.usedBytes()).isLessThanOrEqualTo(eventBytes * 5);
        assertThat(seqs(quiet.after(0))).as("a session that gets nothing keeps what it has").containsExactly(1L, 2L);
        List<Long> kept = seqs(busy.after(0));
        assertThat(kept).as("the busy session keeps its newest, as many as the budget leaves").hasSizeBetween(2, 3).endsWith(10L);
        assertThat(busy.missedAfter(0)).isTrue();
        assertThat(budget.droppedEvents()).isEqualTo(10 - kept.size());

        busy.clear();
        quiet.acknowledge(2);
        assertThat(budget.usedBytes()).isZero();
    }

    @Test
    void eventsStayInOrderWhileTheBufferGrowsWrapsAndIsAcknowledged() {
        Outbox o = new Outbox(100);
        List<SessionEvent> appended = new java.util.ArrayList<>();
        for (int i = 1; i <= 250; i++) {
            SessionEvent e = event("e" + i);
            appended.add(e);
            assertThat(o.append(e)).isEqualTo(i);
            if (i % 7 == 0) o.acknowledge(i - 3); // the client reads behind, so the oldest go from the front
        }
        List<Outbox.Event> kept = o.after(0);
        assertThat(seqs(kept)).as("the newest, consecutive").isEqualTo(java.util.stream.LongStream.rangeClosed(
                250 - kept.size() + 1, 250).boxed().toList());
        assertThat(kept).allSatisfy(e -> assertThat(e.event()).isSameAs(appended.get((int) e.seq() - 1)));
        assertThat(o.after(248)).extracting(Outbox.Event::seq).containsExactly(249L, 250L);
        assertThat(o.firstAvailable()).isEqualTo(kept.get(0).seq());
        assertThat(o.bufferedBytes()).isEqualTo(kept.stream().mapToLong(e -> e.event().sizeEstimate()).sum());
    }
}
