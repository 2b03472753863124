package dev.switchboard.core.pubsub;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToLongFunction;

/**
 * One pattern (or literal topic) listened to on this node, for an operator's view: its
 * subscriptions, how many of them are in queue groups' distinct groups, and how many published
 * messages matched it since it was first listened to (it restarts from 0 once nobody listens).
 */
public record TopicActivity(String pattern, int subscribers, int groups, long published) {

    /** Groups {@link ChannelListeners} (sorted by pattern) per pattern; {@code published} gives each count. */
    static List<TopicActivity> of(List<ChannelListeners> channels, ToLongFunction<String> published) {
        Map<String, int[]> byPattern = new LinkedHashMap<>();
        for (ChannelListeners c : channels) {
            int[] counts = byPattern.computeIfAbsent(c.pattern(), p -> new int[2]);
            counts[0] += c.listeners();
            if (!c.group().isEmpty()) counts[1]++;
        }
        List<TopicActivity> out = new ArrayList<>(byPattern.size());
        byPattern.forEach((pattern, n) -> out.add(new TopicActivity(pattern, n[0], n[1], published.applyAsLong(pattern))));
        return out;
    }
}
