package dev.switchboard.core.pubsub;

/** What {@link Broker#subscribe} did. A refusal is a result, never an exception. */
public enum SubscribeResult {
    /** The subscription is new. */
    SUBSCRIBED,
    /** The same (subscriber, pattern, group) was there already; nothing changed. */
    ALREADY_SUBSCRIBED,
    /** The subscriber already has the most subscriptions allowed; nothing changed. */
    MAX_SUBSCRIPTIONS;

    /** True when the subscription exists after the call. */
    public boolean listening() {
        return this != MAX_SUBSCRIPTIONS;
    }
}
