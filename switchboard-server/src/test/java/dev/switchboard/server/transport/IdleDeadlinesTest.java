package dev.switchboard.server.transport;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.core.time.VirtualClock;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.timeout.IdleState;
import io.netty.handler.timeout.IdleStateEvent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Idle deadlines on virtual time: an event comes no sooner than the idle time after the last read
 * or write, and no later than a quarter of it after that; reads and writes each keep their own
 * watch quiet, an idle connection hears again after each further idle time, and only an event
 * is handed to the connection's loop.
 */
class IdleDeadlinesTest {
    private final VirtualClock clock = new VirtualClock();
    private final List<IdleState> events = new ArrayList<>();

    private EmbeddedChannel channel(long readerMs, long writerMs, long allMs) {
        return new EmbeddedChannel(new IdleDeadlines(clock, readerMs, writerMs, allMs, TimeUnit.MILLISECONDS),
                new ChannelInboundHandlerAdapter() {
                    @Override
                    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
                        if (evt instanceof IdleStateEvent idle) events.add(idle.state());
                    }
                });
    }

    /** Moves the clock in steps of 10 ms, running what falls due on the channel's loop. */
    private void advance(EmbeddedChannel ch, long ms) {
        for (long done = 0; done < ms; done += 10) {
            clock.advance(Duration.ofMillis(10));
            ch.runPendingTasks();
        }
    }

    @Test
    void aSilentConnectionIsNoticedBetweenOneAndOneAndAQuarterIdleTimesAfterItsLastRead() {
        EmbeddedChannel ch = channel(1000, 0, 0);
        advance(ch, 370);
        ch.writeInbound("request"); // the last read, at 370 ms
        advance(ch, 990);
        assertThat(events).isEmpty();
        advance(ch, 260);
        assertThat(events).containsExactly(IdleState.READER_IDLE);
        // Still silent: again after each further idle time, not at every check.
        advance(ch, 760);
        assertThat(events).hasSize(1);
        advance(ch, 260);
        assertThat(events).containsExactly(IdleState.READER_IDLE, IdleState.READER_IDLE);
        ch.finishAndReleaseAll();
    }

    @Test
    void readsKeepTheReaderWatchQuietAndWritesTheWriterWatch() {
        EmbeddedChannel ch = channel(1000, 400, 0);
        for (int i = 0; i < 10; i++) {
            advance(ch, 300);
            ch.writeInbound("request " + i);
        }
        // Three seconds with a read every 300 ms and no write: no reader event, writer events only.
        assertThat(events).isNotEmpty().containsOnly(IdleState.WRITER_IDLE);
        ch.writeOutbound("first answer");
        events.clear();
        for (int i = 0; i < 10; i++) {
            advance(ch, 300);
            ch.writeOutbound("answer " + i);
        }
        // Writes now, and no read: the reader watch fires, the writer one stays quiet.
        assertThat(events).isNotEmpty().containsOnly(IdleState.READER_IDLE);
        ch.finishAndReleaseAll();
    }

    @Test
    void eitherReadsOrWritesKeepTheAllIdleWatchQuiet() {
        EmbeddedChannel ch = channel(0, 0, 500);
        for (int i = 0; i < 6; i++) {
            advance(ch, 300);
            if (i % 2 == 0) ch.writeInbound("request " + i);
            else ch.writeOutbound("answer " + i);
        }
        assertThat(events).isEmpty();
        advance(ch, 650);
        assertThat(events).containsExactly(IdleState.ALL_IDLE);
        ch.finishAndReleaseAll();
    }

    @Test
    void checksThatFindTheConnectionBusyLeaveItsLoopAlone() {
        EmbeddedChannel ch = channel(400, 400, 0);
        for (int i = 0; i < 40; i++) {
            clock.advance(Duration.ofMillis(50));
            // Every check ran on the timer's (here the test's) thread and found a read and a write.
            assertThat(ch.hasPendingTasks()).isFalse();
            ch.writeInbound("request " + i);
            ch.writeOutbound("answer " + i);
        }
        assertThat(events).isEmpty();
        clock.advance(Duration.ofMillis(500));
        assertThat(ch.hasPendingTasks()).isTrue(); // idle now: the events wait for the loop
        ch.runPendingTasks();
        assertThat(events).containsExactlyInAnyOrder(IdleState.READER_IDLE, IdleState.WRITER_IDLE);
        ch.finishAndReleaseAll();
    }

    @Test
    void removingTheHandlerStopsItsChecks() {
        EmbeddedChannel ch = channel(100, 100, 100);
        assertThat(clock.pendingTasks()).isEqualTo(3);
        ch.pipeline().removeFirst();
        advance(ch, 500);
        assertThat(events).isEmpty();
        assertThat(clock.pendingTasks()).isZero();
        ch.finishAndReleaseAll();
    }
}
