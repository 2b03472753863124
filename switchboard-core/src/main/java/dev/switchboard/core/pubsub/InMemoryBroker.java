package dev.switchboard.core.pubsub;

import dev.switchboard.protocol.Subjects;
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
    private final TopicHistories histories;

    /** @param maxSubscriptionsPerSubscriber the cap on one subscriber's subscriptions; 0 = none */
    public InMemoryBroker(int maxSubscriptionsPerSubscriber) {
        this(maxSubscriptionsPerSubscriber, TopicHistories.none());
    }

    /** A broker whose topics keep the histories {@code histories} configures. */
    public InMemoryBroker(int maxSubscriptionsPerSubscriber, TopicHistories histories) {
        if (maxSubscriptionsPerSubscriber < 0) {
            throw new IllegalArgumentException("maxSubscriptionsPerSubscriber must not be negative");
        }
        this.maxSubscriptionsPerSubscriber = maxSubscriptionsPerSubscriber;
        this.histories = histories;
    }

    /** The topic histories, for metrics. */
    public TopicHistories histories() {
        return histories;
    }

    @Override
    public void onMembership(TopicMembership listener) {
        tree.onMembership(listener);
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
        if (histories.ruleFor(channel) == null) {
            StreamPosition position = offsets.next(channel);
            int delivered = tree.publish(channel, payload);
            return CompletableFuture.completedStage(new PublishResult(delivered, position));
        }
        while (true) {
            TopicLog log = histories.log(channel);
            // The log's monitor: the offset and the fan-out in one step, so offsets reach each
            // subscriber in order and a subscription from an offset sees each message once.
            synchronized (log) {
                Signal signal = histories.append(log, payload);
                if (signal == null) continue; // forgotten meanwhile for another topic: a new history
                int delivered = tree.publish(signal);
                return CompletableFuture.completedStage(new PublishResult(delivered, signal.position()));
            }
        }
    }

    /**
     * Fans out a signal whose stream position another engine gave (a cluster's shared history):
     * no position of this broker is taken. Returns how many took it, as {@link #publish} counts.
     */
    public int publish(Signal signal) {
        return tree.publish(signal);
    }

    @Override
    public CompletionStage<TopicPosition> subscribe(Subscriber subscriber, String pattern, String group, Since since) {
        boolean literal = Subjects.channelError(pattern) == null;
        if (!literal || histories.ruleFor(pattern) == null) {
            SubscribeResult r = tree.subscribe(subscriber, pattern, group, maxSubscriptionsPerSubscriber);
            return CompletableFuture.completedStage(TopicPosition.none(since == null, r));
        }
        while (true) {
            TopicLog log = histories.log(pattern);
            synchronized (log) {
                if (histories.existing(pattern) != log) continue; // forgotten meanwhile
                SubscribeResult r = tree.subscribe(subscriber, pattern, group, maxSubscriptionsPerSubscriber);
                if (!r.listening() || since == null) {
                    return CompletableFuture.completedStage(position(log, true, List.of(), r));
                }
                TopicPosition p = read(log, since, 0, r);
                // Before any live message: publishes to this topic wait for the log's monitor.
                for (Signal s : p.messages()) {
                    if (!subscriber.accepts(s)) continue;
                    if (!subscriber.offer(s)) {
                        subscriber.evictSlow();
                        break;
                    }
                }
                return CompletableFuture.completedStage(p);
            }
        }
    }

    @Override
    public CompletionStage<TopicPosition> history(String topic, Since since, int limit) {
        TopicLog log = histories.ruleFor(topic) == null ? null : histories.existing(topic);
        if (log == null) return CompletableFuture.completedStage(TopicPosition.none(since == null, null));
        synchronized (log) {
            return CompletableFuture.completedStage(read(log, since == null ? Since.START : since, limit, null));
        }
    }

    /** The kept messages after {@code since}, and whether they are all that came after it; under the log's monitor. */
    private TopicPosition read(TopicLog log, Since since, int limit, SubscribeResult r) {
        long first = histories.firstAvailable(log);
        long last = log.lastOffset;
        boolean sameEpoch = since.epoch().isEmpty() || since.epoch().equals(log.epoch);
        long from = since.epoch().isEmpty() ? 0 : since.offset();
        boolean recovered = sameEpoch && from >= first - 1 && from <= last;
        List<Signal> messages = histories.after(log, recovered ? from : 0, limit);
        return position(log, recovered, messages, r);
    }

    private TopicPosition position(TopicLog log, boolean recovered, List<Signal> messages, SubscribeResult r) {
        return new TopicPosition(recovered, log.epoch, log.lastOffset, histories.firstAvailable(log), messages, r);
    }

    @Override
    public boolean keepsHistory(String topic) {
        return histories.ruleFor(topic) != null;
    }

    @Override
    public long skippedListeners() {
        return tree.skipped();
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
    public List<TopicActivity> topicActivity() {
        return TopicActivity.of(tree.channels(), tree::published);
    }

    @Override
    public MessageCounts messageCounts() {
        return tree.messageCounts();
    }

    @Override
    public List<ChannelListeners> channels() {
        return tree.channels();
    }

    @Override
    public TopicPresence presence(String pattern, int maxMembers) {
        return tree.presence(pattern, maxMembers);
    }

    @Override
    public int indexSize() {
        return tree.nodeCount();
    }
}
