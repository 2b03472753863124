package dev.switchboard.core.pubsub;

/**
 * Where a subscriber or reader of a topic's history wants to start: after {@code offset} of
 * {@code epoch}. An empty epoch (offset 0) means "from the oldest message kept".
 */
public record Since(long offset, String epoch) {
    public static final Since START = new Since(0, "");

    public Since {
        if (offset < 0) throw new IllegalArgumentException("offset must not be negative");
        if (epoch == null) throw new IllegalArgumentException("epoch must not be null");
    }
}
