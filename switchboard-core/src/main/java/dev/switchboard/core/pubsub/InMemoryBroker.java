package dev.switchboard.core.pubsub;

import dev.switchboard.protocol.Payload;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The {@link Broker} of a single node: the {@link TopicTree} of its subscribers, with stream
 * positions from {@link ChannelOffsets} (an epoch per instance: a restart starts a new one).
 *
 * <p>Everything happens on the calling thread before a method returns: every stage it answers is
 * already complete, and a publish has offered its message to every matching subscriber by then.
 * So the delivered count is exact, and publishes issued one after another on a channel reach each
 * subscriber in order with increasing offsets.
 */
public final class InMemoryBroker implements Broker {
    private static final CompletionStage<Void> DONE = CompletableFuture.completedStage(null);

    private final TopicTree tree = new TopicTree();
    private final ChannelOffsets offsets = new ChannelOffsets();
    private final int maxSubscriptionsPerSubscriber;

    /** @param maxSubscriptionsPerSubscriber the cap on one subscriber's subscriptions; 0 = none */
    public InMemoryBroker(int maxSubscriptionsPerSubscriber) {
        if (maxSubscriptionsPerSubscriber < 0) {
            throw new IllegalArgumentException("maxSubscriptionsPerSubscriber must not be negative");
        }
        this.maxSubscriptionsPerSubscriber = maxSubscriptionsPerSubscriber;
    }

    @Override
    public CompletionStage<SubscribeResult> subscribe(Subscriber subscriber, String pattern, String group) {
        return CompletableFuture.completedStage(tree.subscribe(subscriber, pattern, group, maxSubscriptionsPerSubscriber));
    }

    @Override
    public CompletionStage<Void> unsubscribe(Subscriber subscriber, String pattern, String group) {
        tree.unsubscribe(subscriber, pattern, group);
        return DONE;
    }

    @Override
    public CompletionStage<Void> unsubscribeAll(Subscriber subscriber) {
        tree.unsubscribeAll(subscriber);
        return DONE;
    }

    @Override
    public CompletionStage<PublishResult> publish(String channel, Payload payload) {
        StreamPosition position = offsets.next(channel);
        int delivered = tree.publish(channel, payload);
        return CompletableFuture.completedStage(new PublishResult(delivered, position));
    }

    @Override
    public List<Subscription> subscriptionsOf(Subscriber subscriber) {
        return tree.subscriptionsOf(subscriber);
    }

    @Override
    public int subscriptionCount(Subscriber subscriber) {
        return tree.subscriptionCount(subscriber);
    }

    @Override
    public List<ChannelListeners> channels() {
        return tree.channels();
    }

    @Override
    public int indexSize() {
        return tree.nodeCount();
    }
}
