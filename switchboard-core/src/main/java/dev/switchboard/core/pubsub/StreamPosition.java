package dev.switchboard.core.pubsub;

/**
 * Where a publication sits in its channel's stream. Within one {@code epoch}, the offsets a broker
 * gives one channel strictly increase in the order its publications were accepted; they need not
 * be contiguous (a gap is not a lost message unless the engine says its offsets are contiguous).
 * A different epoch means the earlier positions of that channel are no longer comparable (the
 * stream was lost: the node restarted, or the engine forgot the channel), so a client holding an
 * older position cannot tell what it missed.
 *
 * <p>The zero value, {@link #NONE} (offset 0, empty epoch), means the engine keeps no position
 * for the channel; offsets of real positions start at 1.
 */
public record StreamPosition(long offset, String epoch) {
    public static final StreamPosition NONE = new StreamPosition(0, "");

    public StreamPosition {
        if (offset < 0) throw new IllegalArgumentException("offset must not be negative: " + offset);
        if (epoch == null) throw new IllegalArgumentException("epoch must not be null");
        if ((offset == 0) != epoch.isEmpty()) {
            throw new IllegalArgumentException("offset 0 goes with the empty epoch and only with it");
        }
    }

    public boolean isNone() {
        return offset == 0;
    }
}
