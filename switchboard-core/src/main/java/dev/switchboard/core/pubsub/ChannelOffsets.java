package dev.switchboard.core.pubsub;

import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Stream positions for a node that keeps no history: one epoch for the life of the instance, and
 * per-channel offsets from a fixed array of counters that channels share by hash.
 *
 * <p>Why shared counters: a counter per channel would be a map that clients grow by publishing on
 * ever new channel names, and forgetting an entry would break the promise that a channel's offsets
 * only grow within an epoch. A channel always maps to the same slot, so its offsets strictly
 * increase; channels sharing a slot make each other's offsets skip numbers, which the
 * {@link StreamPosition} contract allows (offsets are positions, not counts). The memory is fixed.
 */
final class ChannelOffsets {
    /** Power of two; 64 KiB of counters. */
    private static final int SLOTS = 8192;

    private final AtomicLongArray counters = new AtomicLongArray(SLOTS);
    private final String epoch;

    ChannelOffsets() {
        byte[] bytes = new byte[8];
        new SecureRandom().nextBytes(bytes);
        this.epoch = HexFormat.of().formatHex(bytes);
    }

    /** The next position on {@code channel}. */
    StreamPosition next(String channel) {
        int h = channel.hashCode();
        int slot = (h ^ (h >>> 16)) & (SLOTS - 1);
        return new StreamPosition(counters.incrementAndGet(slot), epoch);
    }
}
