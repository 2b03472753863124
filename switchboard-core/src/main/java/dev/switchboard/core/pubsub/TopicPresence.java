package dev.switchboard.core.pubsub;

import java.util.List;

/**
 * Who is subscribed to one topic or pattern, as subscribed ({@link Broker#presence}).
 *
 * @param count   subscriptions of exactly that pattern, plain and in queue groups
 * @param members up to the asked number of their subscribers, in no particular order
 */
public record TopicPresence(int count, List<Subscriber> members) {
    public static final TopicPresence NOBODY = new TopicPresence(0, List.of());
}
