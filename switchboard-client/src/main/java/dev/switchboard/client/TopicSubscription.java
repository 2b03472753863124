package dev.switchboard.client;

import java.util.function.Consumer;

/**
 * A subscription to the topics matching a pattern ({@code topic.subscribe}). Messages reach its
 * listener on the client's callback executor, one at a time and in order. It belongs to the
 * session, which the server keeps across reconnects that resume; when the session was lost and a
 * new one replaced it, the client subscribes again by itself, from the last position it saw on a
 * topic with history (so the backlog it missed arrives, or {@link #recovered()} turns false).
 * {@link #close()} ends it ({@code topic.unsubscribe}).
 */
public final class TopicSubscription implements AutoCloseable {
    private final TopicSubscriptions owner;
    private final String pattern;
    private final String group;
    final Consumer<TopicMessage> listener;
    private volatile TopicPosition position;
    private volatile boolean recovered = true;

    TopicSubscription(TopicSubscriptions owner, String pattern, String group, TopicPosition since,
                      Consumer<TopicMessage> listener) {
        this.owner = owner;
        this.pattern = pattern;
        this.group = group;
        this.position = since;
        this.listener = listener;
    }

    public String pattern() {
        return pattern;
    }

    /** The queue group, or null for none. */
    public String group() {
        return group;
    }

    /**
     * The position of the last message seen (or the one the server reported on subscribing), or
     * null when the topic keeps no history.
     */
    public TopicPosition position() {
        return position;
    }

    /**
     * False when the server said, on the last (re)subscription from a position, that it could not
     * hand back every message after it (the history moved on or was lost).
     */
    public boolean recovered() {
        return recovered;
    }

    void subscribed(boolean recovered, TopicPosition reported) {
        this.recovered = recovered;
        if (reported != null && (position == null || !reported.epoch().equals(position.epoch())
                || reported.offset() > position.offset())) {
            position = reported;
        }
    }

    void saw(TopicMessage m) {
        if (m.epoch() != null) {
            position = m.position();
        }
    }

    @Override
    public void close() {
        owner.unsubscribe(this);
    }
}
