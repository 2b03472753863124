package dev.switchboard.client;

/**
 * What a {@code topic.publish} did.
 *
 * @param delivered how many subscriptions it was handed to (see the server's docs for what counts)
 * @param offset    its offset in the topic's history, 0 when the topic keeps none
 * @param epoch     the history's epoch, null when the topic keeps none
 */
public record Published(long delivered, long offset, String epoch) {
}
