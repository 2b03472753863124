package dev.switchboard.server.attack;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;

/**
 * The time an attack's loop may take before its test fails instead of hanging. Each loop is bounded
 * by its count; this only catches a server that stopped answering, so it is set for a CI host
 * running ten times slower than usual (where these loops took up to a minute), not for speed: how
 * fast the server goes is measured by the benchmark module.
 */
final class AttackTime {
    static final long LIMIT_NANOS = TimeUnit.MINUTES.toNanos(3);

    private AttackTime() {
    }

    /** Fails the test when more than {@link #LIMIT_NANOS} passed since {@code startedNanos} ({@link System#nanoTime()}). */
    static void assertWithinLimit(long startedNanos) {
        assertThat(System.nanoTime() - startedNanos).as("attack time").isLessThan(LIMIT_NANOS);
    }
}
