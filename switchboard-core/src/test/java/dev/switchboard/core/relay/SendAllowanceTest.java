package dev.switchboard.core.relay;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The per-peer token buckets of direct messages, on virtual nanoseconds. */
class SendAllowanceTest {
    private static final long SECOND = 1_000_000_000L;

    @Test
    void aSecondsWorthGoesInABurstThenTheRateRefillsIt() {
        RelaySettings limits = new RelaySettings(1024, 3, 0, 1);
        SendAllowance a = new SendAllowance(limits, 0);
        for (int i = 0; i < 3; i++) assertThat(a.take(limits, 10, 0)).isNull();
        assertThat(a.take(limits, 10, 0)).isEqualTo(SendAllowance.Refusal.MESSAGES);
        // A third of a second gives one message back at three a second, not before.
        assertThat(a.take(limits, 10, SECOND / 3 - 1)).isEqualTo(SendAllowance.Refusal.MESSAGES);
        assertThat(a.take(limits, 10, SECOND / 3 + 1)).isNull();
        assertThat(a.take(limits, 10, SECOND / 3 + 2)).isEqualTo(SendAllowance.Refusal.MESSAGES);
        // A long idle time refills to one second's worth, no more.
        for (int i = 0; i < 3; i++) assertThat(a.take(limits, 10, 100 * SECOND)).isNull();
        assertThat(a.take(limits, 10, 100 * SECOND)).isEqualTo(SendAllowance.Refusal.MESSAGES);
    }

    @Test
    void bytesAreCountedAndARefusedMessageTakesNothing() {
        RelaySettings limits = new RelaySettings(1024, 10, 100, 1);
        SendAllowance a = new SendAllowance(limits, 0);
        assertThat(a.take(limits, 60, 0)).isNull();
        assertThat(a.take(limits, 60, 0)).isEqualTo(SendAllowance.Refusal.BYTES);
        assertThat(a.take(limits, 40, 0)).as("the refused message took no bytes").isNull();
        assertThat(a.take(limits, 1, 0)).isEqualTo(SendAllowance.Refusal.BYTES);
        assertThat(a.take(limits, 50, SECOND / 2)).as("fifty bytes back after half a second").isNull();
    }

    @Test
    void zeroRatesBoundNothing() {
        RelaySettings limits = new RelaySettings(1024, 0, 0, 1);
        SendAllowance a = new SendAllowance(limits, 0);
        for (int i = 0; i < 10_000; i++) assertThat(a.take(limits, 1024, 0)).isNull();
    }
}
