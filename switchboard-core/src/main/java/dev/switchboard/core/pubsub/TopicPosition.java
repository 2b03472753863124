package dev.switchboard.core.pubsub;

import java.util.List;

/**
 * A topic's history as a subscriber from an offset, or a reader, finds it.
 *
 * @param recovered   true when every message after the asked position is in {@code messages}
 *                    (and, for a subscription, live delivery follows on without a hole); false
 *                    when the epoch differs (the history was lost: a restart, or the topic was
 *                    forgotten) or the asked offset fell out of the history (size, age or node-wide
 *                    byte cap): the client then missed the offsets after its own up to
 *                    {@code firstOffset - 1} (same epoch), or an unknown number (other epoch)
 * @param epoch       the topic's epoch now; empty when the topic keeps no history
 * @param offset      the topic's last offset now (0 when none yet)
 * @param firstOffset the oldest offset the history still holds (the next one when it holds none)
 * @param messages    the messages returned (a history read), or offered first (a subscription), oldest first
 * @param subscribe   what the subscription did (null for a history read)
 */
public record TopicPosition(boolean recovered, String epoch, long offset, long firstOffset, List<Signal> messages,
                            SubscribeResult subscribe) {
    /** A topic that keeps no history. */
    static TopicPosition none(boolean recovered, SubscribeResult subscribe) {
        return new TopicPosition(recovered, "", 0, 1, List.of(), subscribe);
    }
}
