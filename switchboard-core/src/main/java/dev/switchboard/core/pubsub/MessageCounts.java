package dev.switchboard.core.pubsub;

/**
 * Signal and topic messages through a node's broker since it started: published here, and
 * delivered to subscribers here (one message to three subscribers is three deliveries).
 */
public record MessageCounts(long published, long delivered) {
    public static final MessageCounts NONE = new MessageCounts(0, 0);
}
