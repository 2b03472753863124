package dev.switchboard.client;

import dev.switchboard.protocol.Payload;

/**
 * A message published on a topic this client subscribed to ({@code {"op":"message",...}}).
 *
 * @param topic   the topic it was published on
 * @param offset  its position in the topic's history (1, 2, 3...), 0 when the topic keeps none
 * @param epoch   the history's epoch (a new one means the history was lost), null when none
 * @param payload what was published
 * @param seq     the session's event sequence number
 */
public record TopicMessage(String topic, long offset, String epoch, Payload payload, long seq) {
    /** Where this message stands in its topic's history, to subscribe again from after it. */
    public TopicPosition position() {
        return new TopicPosition(offset, epoch);
    }
}
