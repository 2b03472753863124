package dev.switchboard.client;

import java.util.List;

/**
 * Who is subscribed to a topic or pattern ({@code topic.presence}).
 *
 * @param count   the subscriptions of exactly that topic or pattern ({@code topic.subscribe} and {@code signal.listen})
 * @param members the peer ids of up to 100 subscribed sessions when asked for, else empty
 */
public record TopicPresence(long count, List<String> members) {
    public TopicPresence {
        members = List.copyOf(members);
    }
}
