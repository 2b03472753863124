package dev.switchboard.server.transport;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.core.session.SessionConnection;
import io.netty.channel.embedded.EmbeddedChannel;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The drop-oldest queue: the oldest waiting events go, and a gap naming them comes before the next one. */
class GapQueueTest {
    private static Object gap(long from, long to) {
        return "gap " + from + ".." + to;
    }

    @Test
    void aFullQueueDropsItsOldestAndTellsTheGapBeforeTheNextEvent() {
        EmbeddedChannel ch = new EmbeddedChannel();
        AtomicInteger dropped = new AtomicInteger();
        GapQueue q = new GapQueue(ch, ch, 2, GapQueueTest::gap, dropped::incrementAndGet);
        for (long seq = 1; seq <= 5; seq++) assertThat(q.offerEvent(seq, "event " + seq, null)).isEqualTo(SessionConnection.Delivery.ACCEPTED);
        assertThat(q.size()).isEqualTo(2);
        assertThat(dropped.get()).isEqualTo(3);
        ch.runPendingTasks();
        assertThat((Object) ch.readOutbound()).isEqualTo("gap 1..3");
        assertThat((Object) ch.readOutbound()).isEqualTo("event 4");
        assertThat((Object) ch.readOutbound()).isEqualTo("event 5");
        assertThat((Object) ch.readOutbound()).isNull();

        // No gap when nothing was dropped since.
        q.offerEvent(6, "event 6", null);
        ch.runPendingTasks();
        assertThat((Object) ch.readOutbound()).isEqualTo("event 6");
        ch.finishAndReleaseAll();
    }

    @Test
    void aClosedChannelRefusesAsClosedNotAsSlow() {
        EmbeddedChannel ch = new EmbeddedChannel();
        GapQueue q = new GapQueue(ch, ch, 2, GapQueueTest::gap, () -> { });
        ch.close();
        assertThat(q.offerEvent(1, "e", null)).isEqualTo(SessionConnection.Delivery.CLOSED);
    }
}
