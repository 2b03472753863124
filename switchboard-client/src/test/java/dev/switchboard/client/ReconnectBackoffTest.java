package dev.switchboard.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ReconnectBackoffTest {
    private static final Duration INITIAL = Duration.ofMillis(100);
    private static final Duration MAX = Duration.ofSeconds(5);

    @Test
    void ceilingDoublesFromTheInitialBackoffUpToTheCap() {
        ReconnectBackoff backoff = new ReconnectBackoff(INITIAL, MAX, new Random(1));
        assertThat(backoff.ceilingMillis(0)).isEqualTo(100);
        assertThat(backoff.ceilingMillis(1)).isEqualTo(200);
        assertThat(backoff.ceilingMillis(5)).isEqualTo(3200);
        assertThat(backoff.ceilingMillis(6)).isEqualTo(5000);
        assertThat(backoff.ceilingMillis(63)).isEqualTo(5000);
        assertThat(backoff.ceilingMillis(Integer.MAX_VALUE)).isEqualTo(5000);
        assertThatThrownBy(() -> backoff.ceilingMillis(-1)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void everyDelayIsWithinZeroAndTheCeilingAndTheJitterSpreadsOverTheRange() {
        ReconnectBackoff backoff = new ReconnectBackoff(INITIAL, MAX, new Random(42));
        for (int attempt = 0; attempt < 40; attempt++) {
            long ceiling = backoff.ceilingMillis(attempt);
            long min = Long.MAX_VALUE;
            long max = Long.MIN_VALUE;
            for (int i = 0; i < 500; i++) {
                long d = backoff.delay(attempt).toMillis();
                assertThat(d).isBetween(0L, ceiling).isLessThanOrEqualTo(MAX.toMillis());
                min = Math.min(min, d);
                max = Math.max(max, d);
            }
            // Full jitter: the delays cover the range rather than clustering at the ceiling.
            assertThat(min).as("attempt %d", attempt).isLessThan(ceiling / 4);
            assertThat(max).as("attempt %d", attempt).isGreaterThan(ceiling * 3 / 4);
        }
    }

    @Test
    void theSameSeedGivesTheSameDelays() {
        assertThat(delays(new ReconnectBackoff(INITIAL, MAX, new Random(7))))
                .isEqualTo(delays(new ReconnectBackoff(INITIAL, MAX, new Random(7))));
    }

    @Test
    void builderRejectsAMaxBelowTheInitialBackoff() {
        assertThatThrownBy(() -> SwitchboardClient.builder().reconnectBackoff(Duration.ofSeconds(2), Duration.ofSeconds(1)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> SwitchboardClient.builder().reconnectBackoff(Duration.ZERO, Duration.ofSeconds(1)))
                .isInstanceOf(IllegalArgumentException.class);
    }

    private static List<Duration> delays(ReconnectBackoff backoff) {
        List<Duration> out = new ArrayList<>();
        for (int attempt = 0; attempt < 20; attempt++) {
            out.add(backoff.delay(attempt));
        }
        return out;
    }
}
