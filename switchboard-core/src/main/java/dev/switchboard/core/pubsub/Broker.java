package dev.switchboard.core.pubsub;

import dev.switchboard.protocol.Subjects;
import dev.switchboard.protocol.Payload;
import java.util.List;
import java.util.concurrent.CompletionStage;

/**
 * The publish/subscribe engine of a node: who listens to which channels, and the fan-out of a
 * message to them. The in-memory engine ({@link InMemoryBroker}) serves one node; a cluster engine
 * (on NATS, say) keeps the same contract, and {@code BrokerContract} in the tests is the suite
 * every engine must pass.
 *
 * <h2>Model</h2>
 * Subscribers are local: each {@link Subscriber} is a session of this node, and the broker hands
 * it messages by calling {@link Subscriber#offer}. A cluster engine subscribes the <em>node</em>
 * to what its local subscribers listen to (once per pattern, however many local subscribers share
 * it) and fans each message it receives out to them, exactly as for a message published here.
 *
 * <h2>Channels and patterns</h2>
 * A channel is a literal subject of tokens separated by {@code .}; a pattern may use {@code *}
 * for exactly one token and {@code >} (last only) for one or more trailing tokens (see
 * {@link Subjects}). Callers validate names with {@link Subjects} before calling; a broker may
 * assume valid input.
 *
 * <h2>Who gets one message</h2>
 * <ul>
 *   <li>every subscriber with at least one plain (ungrouped) subscription matching the channel,
 *       once, however many of its patterns match;</li>
 *   <li>for each queue group, one of its members. A group is identified by its pattern <em>and</em>
 *       its name: {@code workers} on {@code jobs.*} and {@code workers} on {@code jobs.a} are two
 *       groups, and each gets a copy. Groups are independent of each other and of the plain
 *       de-duplication: a subscriber listening plainly and in two groups may get three copies.
 *       Members take turns (round-robin over the members present); a member whose buffer is full
 *       is skipped for the next one.</li>
 * </ul>
 *
 * <h2>Delivery guarantee</h2>
 * At most once. A message is never offered twice to the same subscription and never retried; a
 * message published while nobody listens is gone; nothing is kept for a subscriber that joins
 * later. The {@link StreamPosition} lets a client notice what it may have missed, not recover it.
 *
 * <h2>Slow subscribers</h2>
 * A plain subscriber whose {@code offer} returns false is not counted and is told
 * {@link Subscriber#evictSlow()} at once, on the publishing thread. A group member that refuses is
 * skipped; only when every member of the group refuses is the one whose turn it was evicted. The
 * broker does not drop an evicted subscriber's subscriptions: its owner decides (a session that
 * ends calls {@link #unsubscribeAll}). {@code evictSlow} may be called more than once for one
 * subscriber when publishes race, and must be idempotent.
 *
 * <h2>Threads</h2>
 * Every method may be called from any thread, concurrently. {@code offer} and {@code evictSlow}
 * run on the thread that fans the message out (the publisher's, for the in-memory engine; an
 * engine's receiving thread for messages from other nodes) and must not block. No broker lock is
 * held while they run, so a subscriber may call back into the broker (unsubscribe) from them.
 * The returned stages may complete on the calling thread before the method returns (the in-memory
 * engine always does) or later on an engine thread; dependents must not block, and must hop to
 * their own executor if they need one.
 */
public interface Broker {

    /**
     * Adds the subscription (subscriber, pattern, group); {@code group} is {@code ""} or null for
     * none. Idempotent: the same triple again answers {@link SubscribeResult#ALREADY_SUBSCRIBED}
     * and changes nothing.
     *
     * <p>Atomic per subscriber: the check against the cap on subscriptions per subscriber and the
     * addition happen as one step, so racing calls never take a subscriber past the cap. At the cap
     * the answer is {@link SubscribeResult#MAX_SUBSCRIPTIONS}, not an exception, and nothing
     * changes.
     *
     * <p>The subscription matches on this node before the method returns: a publish that starts
     * after the return (on any thread of this node) is offered to it. The stage completes when it
     * is in effect everywhere the engine reaches (at once for the in-memory engine; once the node's
     * interest is registered with the cluster for a cluster engine). It completes exceptionally only
     * when the engine cannot reach its cluster; the local subscription then stays, and the caller
     * may keep it or {@link #unsubscribe} it.
     */
    CompletionStage<SubscribeResult> subscribe(Subscriber subscriber, String pattern, String group);

    /**
     * Removes the subscription (subscriber, pattern, group). A triple that does not exist is
     * ignored. Once the method returns, no publish that starts afterwards offers a message to it
     * through this subscription (one already fanning out may still); the stage completes when the
     * removal is in effect everywhere (a cluster engine drops the node's interest in the pattern
     * with its last local subscription).
     */
    CompletionStage<Void> unsubscribe(Subscriber subscriber, String pattern, String group);

    /**
     * Removes every subscription of one subscriber, with the same guarantees as {@link #unsubscribe}
     * for each; idempotent. Called when a session ends.
     */
    CompletionStage<Void> unsubscribeAll(Subscriber subscriber);

    /**
     * Publishes one message on a literal channel and answers how many took it and where it sits in
     * the channel's stream.
     *
     * <p><b>Delivered</b> means accepted into a subscriber's outbound queue: {@code offer} returned
     * true. The count has one per plain subscriber reached and one per queue group whose chosen
     * member accepted. On one node it is exact: the subscriptions on this node that got the message
     * (what dflockd's {@code signal} answers as {@code ok N}). A cluster engine answers the
     * deliveries on this node plus those that other nodes report back within its publish deadline;
     * a node that does not answer in time counts zero even if its subscribers got the message, so
     * the cluster figure is a lower bound, never an overcount. Zero means nobody took the message:
     * no subscription matched, or every one that matched was full. When the stage completes, every
     * delivery it counts has been offered.
     *
     * <p><b>Order:</b> publishes on one channel issued one after another (each call returning before
     * the next starts, as from one session) are offered to each subscriber in that order and get
     * strictly increasing offsets. Publishes racing on one channel are not ordered against each
     * other. Nothing is promised across channels.
     *
     * <p><b>Atomic:</b> each publication gets one position, taken before its fan-out on this node
     * starts, and the count is of that one fan-out; a publication is never half-counted.
     *
     * <p>The stage completes exceptionally only when a cluster engine cannot hand the message on;
     * the local fan-out may then have happened (at most once still holds). The in-memory engine
     * never fails and has fanned out before the method returns.
     */
    CompletionStage<PublishResult> publish(String channel, Payload payload);

    /**
     * {@link #publish}, and a count that also includes the deliveries other nodes report within
     * {@code wait}: what dflockd's {@code signal} answers as {@code ok N}.
     *
     * <p>The fan-out, order and atomicity are those of {@link #publish}. The count is the
     * deliveries on this node plus those each other node reports back before {@code wait} ends; a
     * node that answers later counts zero, so it is a lower bound, never an overcount. A cluster
     * engine completes the stage when {@code wait} ends (it cannot know how many nodes will answer)
     * and may answer this node's count at once when too many counted publishes already wait. An
     * engine without other nodes (the in-memory one, by this default) answers {@link #publish}'s
     * exact count at once and never waits. Failures are those of {@link #publish}.
     */
    default CompletionStage<PublishResult> publishCounted(String channel, Payload payload, java.time.Duration wait) {
        return publish(channel, payload);
    }

    /**
     * {@link #subscribe} to a literal topic that keeps a history, starting after {@code since}
     * (null: live only). The messages kept after {@code since} are offered to the subscriber, in
     * order and before any live message of the topic: each message after {@code since} reaches it
     * once, in the backlog or live. The answer says whether that covers everything after
     * {@code since} ({@link TopicPosition#recovered()}). For a pattern, a topic without history or a
     * null {@code since}, this is {@link #subscribe} with the topic's current position.
     */
    CompletionStage<TopicPosition> subscribe(Subscriber subscriber, String pattern, String group, Since since);

    /**
     * Reads a topic's history: the messages kept after {@code since} (null: from the oldest),
     * oldest first, at most {@code limit} (0 = all). A topic that keeps none reads empty.
     */
    CompletionStage<TopicPosition> history(String topic, Since since, int limit);

    /** True when {@code topic} keeps a history (its messages get offsets and an epoch). */
    boolean keepsHistory(String topic);

    /**
     * How many times a matching subscriber was passed over because its protocol cannot carry the
     * message ({@link Subscriber#accepts}): a dflockd listener and a binary or multi-line message.
     */
    long skippedListeners();

    /**
     * Who is subscribed to exactly {@code pattern} (a literal topic, or a pattern as it was
     * subscribed: subscribers of other patterns that match it are not counted): the number of
     * those subscriptions, read from a count the engine keeps per pattern as subscriptions come and
     * go (never by walking them), and up to {@code maxMembers} of their subscribers (0: none).
     */
    TopicPresence presence(String pattern, int maxMembers);

    /**
     * Who hears of each subscription of this node added or removed, by its pattern as subscribed
     * (topic join/leave watches); it replaces the previous listener.
     */
    void onMembership(TopicMembership listener);

    /** The subscriptions of one subscriber of this node: a snapshot, in no particular order. */
    List<Subscription> subscriptionsOf(Subscriber subscriber);

    /** {@code subscriptionsOf(subscriber).size()}, without the copy. */
    int subscriptionCount(Subscriber subscriber);

    /**
     * Every pattern and group listened to on this node, with its number of subscriptions, sorted by
     * pattern then group: a snapshot for stats (dflockd's {@code signal_channels}).
     */
    List<ChannelListeners> channels();

    /**
     * The size of this node's matching index (trie nodes for the in-memory engine): it grows with
     * the distinct patterns listened to, and is zero when nobody on this node listens. A metric.
     */
    int indexSize();

    /**
     * Every pattern listened to on this node with its subscriptions, groups and matching
     * publishes, sorted by pattern: an operator's view. This default knows no publish counts (0);
     * the in-memory engine keeps them.
     */
    default List<TopicActivity> topicActivity() {
        return TopicActivity.of(channels(), pattern -> 0);
    }

    /** Messages published through, and delivered by, this node's broker; {@link MessageCounts#NONE} when not counted. */
    default MessageCounts messageCounts() {
        return MessageCounts.NONE;
    }
}
