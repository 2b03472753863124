package dev.switchboard.core.pubsub;

/** How many subscriptions listen to one pattern with one queue group ({@code ""} for none), for stats. */
public record ChannelListeners(String pattern, String group, int listeners) {
}
