package dev.switchboard.core.pubsub;

/**
 * One subscription: a subscriber, the pattern it listens to and its queue group ({@code ""} for
 * none). Two subscriptions are the same when all three are equal, which is what makes subscribing
 * twice a no-op.
 */
public record Subscription(Subscriber subscriber, String pattern, String group) {
    public Subscription {
        group = group == null ? "" : group;
    }

    public boolean grouped() {
        return !group.isEmpty();
    }
}
