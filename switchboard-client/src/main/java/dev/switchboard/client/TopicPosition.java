package dev.switchboard.client;

/**
 * A position in a topic's history: a subscription {@code since} it gets the messages after
 * {@code offset}, if the history still has them and its epoch is still {@code epoch}.
 */
public record TopicPosition(long offset, String epoch) {
}
