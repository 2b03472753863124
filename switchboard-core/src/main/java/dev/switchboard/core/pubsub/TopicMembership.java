package dev.switchboard.core.pubsub;

/**
 * Told of each subscription added to or removed from the topic tree, by its pattern as
 * subscribed. Called under the subscriber's own record lock (so one subscriber's changes come in
 * the order they were made): it must only queue (bounded) and return, never block or call back
 * into the broker.
 */
public interface TopicMembership {
    TopicMembership NONE = new TopicMembership() {
        @Override
        public void joined(String pattern, Subscriber subscriber) {
        }

        @Override
        public void left(String pattern, Subscriber subscriber) {
        }
    };

    void joined(String pattern, Subscriber subscriber);

    void left(String pattern, Subscriber subscriber);
}
