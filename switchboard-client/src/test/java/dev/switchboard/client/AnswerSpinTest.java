package dev.switchboard.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.SelectStrategy;
import io.netty.util.IntSupplier;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import org.junit.jupiter.api.Test;

/** The client loops' wait policy, on a clock that moves 1 µs per reading. */
class AnswerSpinTest {
    private static final Duration BUDGET = Duration.ofNanos(50_000);

    /** The loop's non-blocking poll: answers from a script (0 once it runs out), counting calls. */
    private static final class Polls implements IntSupplier {
        final Deque<Integer> script = new ArrayDeque<>();
        int calls;

        Polls answering(Integer... readyCounts) {
            script.addAll(java.util.List.of(readyCounts));
            return this;
        }

        @Override
        public int get() {
            calls++;
            Integer next = script.poll();
            return next == null ? 0 : next;
        }
    }

    private long now;
    private final AnswerSpin spin = new AnswerSpin(BUDGET, () -> now += 1_000, new AnswerSpin.PollingSlots(1));

    @Test
    void withTasksQueuedItPollsOnceAndNeverWaits() throws Exception {
        Polls polls = new Polls();
        assertThat(spin.calculateStrategy(polls, true)).isZero();
        assertThat(polls.calls).isEqualTo(1);
    }

    @Test
    void anAnswerThatLandsWithinTheBudgetIsTakenWithoutSleeping() throws Exception {
        Polls polls = new Polls().answering(0, 0, 0, 2);
        assertThat(spin.calculateStrategy(polls, false)).isEqualTo(2);
        assertThat(polls.calls).isEqualTo(4);
    }

    @Test
    void nothingWithinTheBudgetMeansSleepingInTheSelector() throws Exception {
        Polls polls = new Polls();
        assertThat(spin.calculateStrategy(polls, false)).isEqualTo(SelectStrategy.SELECT);
        // The clock is read once before the polls and once after each: 50 polls fill the 50 µs.
        assertThat(polls.calls).isEqualTo(50);
    }

    @Test
    void aPollThatFindsSomethingTakesOneMissBack() throws Exception {
        for (int i = 0; i < AnswerSpin.MISSES_BEFORE_BACKING_OFF - 1; i++) {
            spin.calculateStrategy(new Polls(), false);
        }
        assertThat(spin.calculateStrategy(new Polls().answering(0, 1), false)).isEqualTo(1); // 3 misses, then 2
        spin.calculateStrategy(new Polls(), false); // 3
        Polls fourth = new Polls();
        spin.calculateStrategy(fourth, false); // 4: polled, then backed off
        assertThat(fourth.calls).isPositive();
        Polls next = new Polls().answering(1);
        assertThat(spin.calculateStrategy(next, false)).isEqualTo(SelectStrategy.SELECT);
        assertThat(next.calls).isZero();
    }

    @Test
    void noMoreLoopsPollAtOnceThanTheSlotsAllowTheRestSleepAtOnce() throws Exception {
        AnswerSpin.PollingSlots slots = new AnswerSpin.PollingSlots(2);
        AnswerSpin first = new AnswerSpin(BUDGET, () -> now += 1_000, slots);
        AnswerSpin second = new AnswerSpin(BUDGET, () -> now += 1_000, slots);
        AnswerSpin third = new AnswerSpin(BUDGET, () -> now += 1_000, slots);
        Polls thirdsPolls = new Polls().answering(1);
        int[] thirdsStrategy = new int[1];
        // The first loop's poll runs while the second polls, whose poll runs the third: all at once.
        IntSupplier secondsPolls = () -> {
            try {
                thirdsStrategy[0] = third.calculateStrategy(thirdsPolls, false);
            } catch (Exception e) {
                throw new AssertionError(e);
            }
            return 1;
        };
        IntSupplier firstsPolls = () -> {
            try {
                return second.calculateStrategy(secondsPolls, false);
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        };
        assertThat(first.calculateStrategy(firstsPolls, false)).isEqualTo(1);
        assertThat(thirdsStrategy[0]).isEqualTo(SelectStrategy.SELECT);
        assertThat(thirdsPolls.calls).isZero();
        // Both slots were given back: the third loop polls again.
        assertThat(third.calculateStrategy(new Polls().answering(0, 4), false)).isEqualTo(4);
    }

    @Test
    void aNegativeBudgetIsRefused() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> AnswerSpin.factory(Duration.ofNanos(-1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("answerSpin");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> SwitchboardClient.builder().answerSpin(Duration.ofMillis(-5)))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void afterFourFruitlessPollsItSleepsAtOnceAndProbesOneWaitInThirtyTwo() throws Exception {
        for (int i = 0; i < AnswerSpin.MISSES_BEFORE_BACKING_OFF; i++) {
            assertThat(spin.calculateStrategy(new Polls(), false)).isEqualTo(SelectStrategy.SELECT);
        }
        int polledWaits = 0;
        for (int i = 0; i < 3 * AnswerSpin.PROBE_EVERY; i++) {
            Polls polls = new Polls();
            assertThat(spin.calculateStrategy(polls, false)).isEqualTo(SelectStrategy.SELECT);
            if (polls.calls > 0) {
                polledWaits++;
            }
        }
        assertThat(polledWaits).isEqualTo(3);
    }

    @Test
    void aProbeThatFindsAnAnswerResumesPolling() throws Exception {
        for (int i = 0; i < AnswerSpin.MISSES_BEFORE_BACKING_OFF; i++) {
            spin.calculateStrategy(new Polls(), false);
        }
        for (int i = 1; i < AnswerSpin.PROBE_EVERY; i++) {
            assertThat(spin.calculateStrategy(new Polls().answering(1), false)).isEqualTo(SelectStrategy.SELECT);
        }
        assertThat(spin.calculateStrategy(new Polls().answering(0, 1), false)).isEqualTo(1); // the probe
        Polls next = new Polls().answering(0, 0, 3);
        assertThat(spin.calculateStrategy(next, false)).isEqualTo(3);
        assertThat(next.calls).isEqualTo(3);
    }

    @Test
    void aBudgetOfZeroIsNettysDefaultStrategy() throws Exception {
        SelectStrategy strategy = AnswerSpin.factory(Duration.ZERO).newSelectStrategy();
        Polls polls = new Polls().answering(1);
        assertThat(strategy.calculateStrategy(polls, false)).isEqualTo(SelectStrategy.SELECT);
        assertThat(polls.calls).isZero();
        assertThat(AnswerSpin.factory(BUDGET).newSelectStrategy()).isInstanceOf(AnswerSpin.class);
    }
}
