package dev.switchboard.cluster.nats;

import dev.switchboard.cluster.ClusterConnections;
import dev.switchboard.core.pubsub.Broker;
import dev.switchboard.core.pubsub.ChannelListeners;
import dev.switchboard.core.pubsub.InMemoryBroker;
import dev.switchboard.core.pubsub.PublishResult;
import dev.switchboard.core.pubsub.Signal;
import dev.switchboard.core.pubsub.Since;
import dev.switchboard.core.pubsub.StreamPosition;
import dev.switchboard.core.pubsub.SubscribeResult;
import dev.switchboard.core.pubsub.Subscriber;
import dev.switchboard.core.pubsub.Subscription;
import dev.switchboard.core.pubsub.TopicHistories;
import dev.switchboard.core.pubsub.TopicMembership;
import dev.switchboard.core.pubsub.TopicPosition;
import dev.switchboard.core.pubsub.TopicPresence;
import dev.switchboard.core.time.NodeClock;
import dev.switchboard.core.time.SystemClock;
import dev.switchboard.protocol.Payload;
import dev.switchboard.protocol.Subjects;
import io.nats.client.Connection;
import io.nats.client.Dispatcher;
import io.nats.client.Message;
import io.nats.client.impl.NatsMessage;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * The {@link Broker} of a cluster node, on NATS: signals and pub/sub across nodes (docs/cluster.md,
 * "Messaging on NATS", is the user-facing account of what follows).
 *
 * <h2>Layout</h2>
 * <ul>
 *   <li>{@code subscriptions}, an {@link InMemoryBroker}, holds every local subscription: the cap
 *       per subscriber, presence, stats and membership events are its, unchanged.</li>
 *   <li>{@code plain}, another {@link InMemoryBroker}, holds the plain (ungrouped) subscriptions
 *       only, with the topic histories: it fans a message out to local plain subscribers (once per
 *       subscriber whatever number of its patterns match), whether the message was published here
 *       or on another node.</li>
 *   <li>One {@link NodeInterest} per (pattern, group) listened to here, holding the one NATS
 *       subscription its local subscribers share on {@code NatsSubjects.subject("ch", pattern)}
 *       (a NATS queue subscription for a group), and a group's local members.</li>
 *   <li>{@code groupIndex}, a third {@link InMemoryBroker} in which each local group's interest is
 *       a plain subscriber of its pattern: one walk finds the local groups a publication matches.</li>
 * </ul>
 *
 * <h2>A publication</h2>
 * Fanned out here at once (plain subscribers, then one member of each local group that matches),
 * then published on NATS with its origin (this node instance) and the groups served here. Other
 * nodes drop their copy for a group the origin served; a group without a member here is left to
 * NATS, which picks one node of its queue group, whose turn picks the member: so each group gets
 * a message once across the cluster. Every node drops its own publications when NATS hands them
 * back, and the extra copies it gets when several of its patterns match ({@link OriginSequences}).
 *
 * <h2>Topics with history</h2>
 * Their history is in JetStream ({@link JetStreamHistory}), shared by every node. A publication is
 * stored first, and its fan-out (here, then to the other nodes with headers {@code Sb-Offset} and
 * {@code Sb-Epoch}) carries the position JetStream gave, under the topic's striped lock, the same
 * lock a subscription from an offset takes to switch from its backlog ({@link HistoryCatchUp}) to
 * live delivery. A history publish's stage therefore completes after JetStream's two round trips,
 * which run on the broker's history threads ({@link HistoryQueue}), never the caller's; it fails,
 * delivered nowhere, when JetStream does not answer in time or too many history operations wait.
 *
 * <h2>The count</h2>
 * {@link #publish} answers the deliveries on this node, at once, and never waits on the network:
 * a lower bound of the cluster's. {@link #publishCounted} also waits a bounded time for the other
 * nodes' counts (for dflockd's {@code signal}, whose {@code ok N} is meant to say how many took it).
 *
 * <h2>Failures</h2>
 * While NATS is unreachable, a publication still reaches this node's subscribers, and its stage
 * fails with {@link CrossNodePublishException} (carrying that local count): it is not buffered for
 * later. A subscribe or unsubscribe takes effect here at once and its stage fails when NATS does
 * not confirm within the settings' timeout; jnats replays the node's subscriptions when it
 * reconnects. Messages from other nodes beyond the dispatcher's pending limits are dropped by
 * jnats and counted ({@link #droppedFromOtherNodes()}).
 */
public final class NatsBroker implements Broker, AutoCloseable {
    private static final String KIND = "ch";
    /** The groups a local publication served on this thread, collected by {@link NodeInterest#offer}. */
    private static final ThreadLocal<List<String>> SERVED_HERE = new ThreadLocal<>();

    private final Connection nats;
    private final NatsSubjects subjects;
    private final String origin;
    private final InMemoryBroker subscriptions;
    private final InMemoryBroker plain;
    private final InMemoryBroker groupIndex = new InMemoryBroker(0);
    private final Map<InterestKey, NodeInterest> interests = new ConcurrentHashMap<>();
    private final LongAdder groupsCannotCarry = new LongAdder();
    private final Dispatcher dispatcher;
    private final NatsFlushes flushes;
    private final RemoteCounts remoteCounts;
    private final OriginSequences seen;
    private final Object publishOrder = new Object();
    private long sequence;
    private final SystemClock ownClock;
    /** The topic histories in JetStream; null when no topic keeps one. */
    private final JetStreamHistory shared;
    private final TopicHistories histories;
    /** Live messages one subscriber may have held while its backlog is read ({@link HistoryCatchUp}). */
    private final int maxHeldForCatchUp;
    /**
     * Striped by topic: held around the local fan-out of every message of a topic with history, and
     * around a subscription's switch from its backlog to live delivery, so none falls between.
     */
    private final Object[] topicLocks = new Object[64];
    /**
     * Where JetStream is called, off the callers' threads and bounded: this node's publishers of one
     * topic take turns there instead of racing each other for the topic's next predecessor
     * (publishers on other nodes still race, and retry). Null when no topic keeps a history.
     */
    private final HistoryQueue historyQueue;
    private final long natsTimeoutMillis;

    private record InterestKey(String pattern, String group) {
    }

    private record Resumed(Subscriber subscriber, String topic) {
    }

    /** The subscriptions made from an offset: their place in the local fan-out is their {@link HistoryCatchUp}. */
    private final Map<Resumed, HistoryCatchUp> resumed = new ConcurrentHashMap<>();

    /** A broker for the node of {@code connections}, with the default limits and its own timer. */
    public NatsBroker(ClusterConnections connections, int maxSubscriptionsPerSubscriber, TopicHistories histories) {
        this(connections.nats(), connections.nodeId(), new NatsSubjects("switchboard"),
                NatsBrokerSettings.defaults(maxSubscriptionsPerSubscriber, histories), null);
    }

    /**
     * @param nodeId names this node in what it publishes (with a random instance suffix, so a
     *               restarted node is a new origin)
     * @param clock  the node clock whose timer ends counted publishes' waits; null: a timer of the broker's own
     */
    public NatsBroker(Connection nats, String nodeId, NatsSubjects subjects, NatsBrokerSettings settings, NodeClock clock) {
        this.nats = nats;
        this.subjects = subjects;
        byte[] instance = new byte[6];
        new SecureRandom().nextBytes(instance);
        this.origin = nodeId + "/" + HexFormat.of().formatHex(instance);
        this.subscriptions = new InMemoryBroker(settings.maxSubscriptionsPerSubscriber());
        // Histories live in JetStream, not in the local fan-out's broker.
        this.plain = new InMemoryBroker(0);
        this.histories = settings.histories();
        this.maxHeldForCatchUp = settings.maxPendingMessages();
        for (int i = 0; i < topicLocks.length; i++) topicLocks[i] = new Object();
        this.shared = histories.enabled() ? new JetStreamHistory(nats, subjects, histories, settings.natsTimeout()) : null;
        this.historyQueue = shared == null ? null : new HistoryQueue(nodeId, settings.maxHistoryPending());
        if (shared != null) {
            try {
                shared.ensureStreams();
            } catch (HistoryUnavailableException e) {
                // Not fatal: each history operation makes its rule's stream when it first needs it, and fails explicitly meanwhile.
            }
        }
        this.seen = new OriginSequences(settings.maxOrigins());
        this.ownClock = clock == null ? SystemClock.start() : null;
        this.dispatcher = nats.createDispatcher();
        dispatcher.setPendingLimits(settings.maxPendingMessages(), settings.maxPendingBytes());
        this.natsTimeoutMillis = settings.natsTimeout().toMillis();
        this.flushes = new NatsFlushes(nats, settings.natsTimeout(), "nats-broker-flush-" + nodeId);
        this.remoteCounts = new RemoteCounts(dispatcher, subjects.single("count", origin), settings.maxCountedPublishes(),
                (clock == null ? ownClock : clock).timer());
    }

    // ---- subscriptions ------------------------------------------------------------------------

    @Override
    public CompletionStage<SubscribeResult> subscribe(Subscriber subscriber, String pattern, String group) {
        return subscribe(subscriber, pattern, group, null).thenApply(TopicPosition::subscribe);
    }

    @Override
    public CompletionStage<TopicPosition> subscribe(Subscriber subscriber, String pattern, String group, Since since) {
        String g = group == null ? "" : group;
        InterestKey key = new InterestKey(pattern, g);
        while (true) {
            NodeInterest interest = interests.computeIfAbsent(key, k -> new NodeInterest(k.pattern(), k.group(),
                    groupsCannotCarry, servedKey -> {
                        List<String> served = SERVED_HERE.get();
                        if (served != null) served.add(servedKey);
                    }));
            // The interest's monitor keeps the local subscription, the member list and the NATS
            // subscription in step for this (pattern, group). The membership listener runs under it
            // (from the subscriptions' tree); it only queues events, and takes no lock of ours.
            synchronized (interest) {
                if (interest.retired) continue;
                SubscribeResult r = subscriptions.subscribe(subscriber, pattern, g).toCompletableFuture().join();
                if (r == SubscribeResult.MAX_SUBSCRIPTIONS) {
                    if (interest.members.isEmpty()) retire(interest);
                    return positionNow(pattern, since, r);
                }
                // A topic with history: its position or backlog is read on the history threads,
                // and the stage completes when the read does (the caller's thread never waits).
                CompletionStage<TopicPosition> position;
                if (interest.grouped()) {
                    if (interest.members.add(subscriber)) interest.queue.add(subscriber);
                    position = since == null ? positionNow(pattern, null, r) : offerBacklog(subscriber, pattern, since, r);
                } else if (since != null && sharedHistory(pattern) && r == SubscribeResult.SUBSCRIBED) {
                    interest.members.add(subscriber);
                    return catchUp(interest, subscriber, pattern, since, r);
                } else {
                    interest.members.add(subscriber);
                    // Already subscribed: its place in the fan-out stays as it is (perhaps a catch-up's).
                    if (r == SubscribeResult.SUBSCRIBED) plain.subscribe(subscriber, pattern, "");
                    position = since != null && sharedHistory(pattern) ? offerBacklog(subscriber, pattern, since, r)
                            : positionNow(pattern, since, r);
                }
                if (interest.nats == null) {
                    try {
                        open(interest);
                    } catch (RuntimeException closed) {
                        // The connection is closed (the node is stopping): the local subscription
                        // holds, and the next subscriber of this interest tries NATS again.
                        return CompletableFuture.failedStage(new NatsUnreachableException("NATS refused the subscription", closed));
                    }
                }
                return flushes.flushed().thenCompose(v -> position);
            }
        }
    }

    /**
     * A plain subscription to a topic with history from {@code since}, under the interest's monitor:
     * live messages are held by a {@link HistoryCatchUp} from the start; once NATS confirms the
     * node's subscription (so every later publication reaches this node), the backlog is read from
     * JetStream and offered, then the held messages it did not contain, and the subscriber takes
     * its own place in the fan-out, under the topic's lock so that no message falls in between.
     */
    private CompletionStage<TopicPosition> catchUp(NodeInterest interest, Subscriber subscriber, String topic, Since since,
                                                   SubscribeResult r) {
        HistoryCatchUp held = new HistoryCatchUp(subscriber, maxHeldForCatchUp);
        synchronized (topicLock(topic)) {
            plain.subscribe(held, topic, "");
        }
        resumed.put(new Resumed(subscriber, topic), held);
        try {
            if (interest.nats == null) open(interest);
        } catch (RuntimeException closed) {
            return CompletableFuture.failedStage(caughtUpLive(held, topic, closed));
        }
        // Neither the NATS confirmation nor the JetStream read is waited for on the caller's thread:
        // the backlog is read on the history threads once NATS confirmed, and offered from there.
        CompletableFuture<TopicPosition> answer = new CompletableFuture<>();
        flushes.flushed().toCompletableFuture().orTimeout(timeoutMillis(), TimeUnit.MILLISECONDS)
                .handle((v, flushFailed) -> {
                    if (flushFailed != null) {
                        answer.completeExceptionally(caughtUpLive(held, topic, flushFailed));
                        return null;
                    }
                    historyQueue.read(() -> shared.read(topic, since, 0)).whenComplete((backlog, readFailed) -> {
                        if (readFailed != null) {
                            answer.completeExceptionally(caughtUpLive(held, topic, readFailed));
                        } else {
                            answer.complete(offerThenGoLive(held, subscriber, topic, since, backlog, r));
                        }
                    });
                    return null;
                });
        return answer;
    }

    /**
     * The catch-up could not read its backlog: the subscription stays, live from now on (as for
     * any subscribe NATS did not confirm); the subscribe's failure.
     */
    private Throwable caughtUpLive(HistoryCatchUp held, String topic, Throwable failure) {
        goLive(held, topic, 0, false);
        Throwable cause = failure instanceof java.util.concurrent.CompletionException && failure.getCause() != null
                ? failure.getCause() : failure;
        return cause instanceof HistoryUnavailableException ? cause
                : new NatsUnreachableException("NATS did not confirm the subscription", cause);
    }

    /** The backlog offered to {@code subscriber}, then the held live messages it did not contain, then live delivery. */
    private TopicPosition offerThenGoLive(HistoryCatchUp held, Subscriber subscriber, String topic, Since since,
                                          TopicPosition backlog, SubscribeResult r) {
        long seen = backlog.recovered() && since.epoch().equals(backlog.epoch()) ? since.offset() : 0;
        boolean keeping = true;
        for (Signal s : backlog.messages()) {
            seen = Math.max(seen, s.position().offset());
            if (!keeping || !subscriber.accepts(s)) continue;
            if (!subscriber.offer(s)) {
                subscriber.evictSlow();
                keeping = false;
            }
        }
        goLive(held, topic, seen, keeping);
        return withResult(backlog, r);
    }

    /** From the backlog to live delivery: the held messages past {@code seen}, then live ones (see {@link HistoryCatchUp}). */
    private void goLive(HistoryCatchUp held, String topic, long seen, boolean handHeld) {
        synchronized (topicLock(topic)) {
            held.release(seen, handHeld);
        }
    }

    private long timeoutMillis() {
        return natsTimeoutMillis;
    }

    private Object topicLock(String topic) {
        return stripe(topicLocks, topic);
    }

    private static Object stripe(Object[] locks, String topic) {
        return locks[(topic.hashCode() & 0x7fffffff) % locks.length];
    }

    private boolean sharedHistory(String topic) {
        return shared != null && Subjects.channelError(topic) == null && shared.keeps(topic);
    }

    private void open(NodeInterest interest) {
        String subject = subjects.subject(KIND, interest.pattern);
        if (interest.grouped()) {
            // The NATS queue group is named by the pattern and the group, as a Switchboard group is.
            String queue = subjects.single("q", interest.servedKey);
            interest.nats = dispatcher.subscribe(subject, queue, m -> fromOtherNodeToGroup(interest, m));
            groupIndex.subscribe(interest, interest.pattern, "");
        } else {
            interest.nats = dispatcher.subscribe(subject, this::fromOtherNode);
        }
    }

    private void retire(NodeInterest interest) {
        interest.retired = true;
        interests.remove(new InterestKey(interest.pattern, interest.group), interest);
        if (interest.nats != null) {
            dispatcher.unsubscribe(interest.nats);
            if (interest.grouped()) groupIndex.unsubscribe(interest, interest.pattern, "");
        }
    }

    @Override
    public CompletionStage<Void> unsubscribe(Subscriber subscriber, String pattern, String group) {
        String g = group == null ? "" : group;
        NodeInterest interest = interests.get(new InterestKey(pattern, g));
        if (interest == null) return CompletableFuture.completedStage(null);
        synchronized (interest) {
            if (interest.retired || !interest.members.remove(subscriber)) return CompletableFuture.completedStage(null);
            subscriptions.unsubscribe(subscriber, pattern, g);
            if (interest.grouped()) {
                interest.queue.remove(subscriber);
            } else {
                HistoryCatchUp held = resumed.remove(new Resumed(subscriber, pattern));
                plain.unsubscribe(held != null ? held : subscriber, pattern, "");
            }
            if (!interest.members.isEmpty()) return CompletableFuture.completedStage(null);
            retire(interest);
        }
        return flushes.flushed();
    }

    @Override
    public CompletionStage<Void> unsubscribeAll(Subscriber subscriber) {
        List<CompletableFuture<Void>> done = new ArrayList<>();
        for (Subscription s : subscriptions.subscriptionsOf(subscriber)) {
            done.add(unsubscribe(subscriber, s.pattern(), s.group()).toCompletableFuture());
        }
        return CompletableFuture.allOf(done.toArray(CompletableFuture[]::new));
    }

    // ---- publishing ---------------------------------------------------------------------------

    /**
     * Fans out here and hands the message to the other nodes; answers this node's deliveries (see
     * the class comment). Never waits on the network.
     */
    @Override
    public CompletionStage<PublishResult> publish(String channel, Payload payload) {
        return publish(channel, payload, null);
    }

    /**
     * {@link #publish}, answering also what the other nodes report delivering within {@code within}:
     * the stage completes when that wait ends (a lower bound still: a node answering late counts
     * zero). When the settings' {@code maxCountedPublishes} already wait, it answers this node's
     * count at once (and {@link #countsRefused()} counts it).
     */
    @Override
    public CompletionStage<PublishResult> publishCounted(String channel, Payload payload, Duration within) {
        return publish(channel, payload, within);
    }

    private CompletionStage<PublishResult> publish(String channel, Payload payload, Duration countWithin) {
        if (!sharedHistory(channel)) return fanOutAndSend(channel, payload, null, countWithin);
        // Stored first, on the history threads: the position must travel with the message, here and
        // to the other nodes. The fan-out runs in the same turn, so this node's publishers of the
        // topic fan out in the order of their offsets; the caller's thread never waits for JetStream.
        return historyQueue.write(channel, () -> {
            StreamPosition position = shared.append(channel, payload);
            synchronized (topicLock(channel)) {
                return fanOutAndSend(channel, payload, new Signal(channel, payload, position), countWithin);
            }
        }).thenCompose(sent -> sent);
    }

    /** Fans out here and hands the message on; {@code kept} is the signal with its history position, or null. */
    private CompletionStage<PublishResult> fanOutAndSend(String channel, Payload payload, Signal kept, Duration countWithin) {
        PublishResult plainResult = kept == null ? plain.publish(channel, payload).toCompletableFuture().join()
                : new PublishResult(plain.publish(kept), kept.position());
        List<String> served = new ArrayList<>();
        SERVED_HERE.set(served);
        int groups;
        try {
            groups = kept == null ? groupIndex.publish(channel, payload).toCompletableFuture().join().delivered()
                    : groupIndex.publish(kept);
        } finally {
            SERVED_HERE.remove();
        }
        PublishResult local = new PublishResult(plainResult.delivered() + groups, plainResult.position());
        if (nats.getStatus() != Connection.Status.CONNECTED) {
            return CompletableFuture.failedStage(new CrossNodePublishException(local.delivered(),
                    "NATS is " + nats.getStatus() + ": delivered on this node only", null));
        }
        RemoteCounts.Waiter waiter = countWithin == null ? null : remoteCounts.start(local, countWithin);
        try {
            // One lock so that sequence numbers go out on the connection in the order they are
            // taken: the other nodes' de-duplication relies on it (OriginSequences).
            synchronized (publishOrder) {
                long seq = ++sequence;
                nats.publish(NatsMessage.builder()
                        .subject(subjects.subject(KIND, channel))
                        .replyTo(waiter == null ? null : waiter.replyTo)
                        .headers(NatsEnvelope.headers(origin, seq, payload, served,
                                kept == null ? StreamPosition.NONE : kept.position()))
                        .data(payload.toByteArray())
                        .build());
            }
        } catch (RuntimeException e) {
            if (waiter != null) waiter.cancel();
            return CompletableFuture.failedStage(new CrossNodePublishException(local.delivered(),
                    "NATS did not take the message: delivered on this node only", e));
        }
        return waiter == null ? CompletableFuture.completedStage(local) : waiter.result;
    }

    /** A message on a plain subscription: fanned out to the plain subscribers here, once per publication. */
    private void fromOtherNode(Message m) {
        String from = NatsEnvelope.origin(m);
        if (from == null || from.equals(origin)) return;
        long seq = NatsEnvelope.sequence(m);
        if (seq < 0 || !seen.firstCopy(from, seq)) return;
        String channel = channelOf(m);
        if (channel == null) return;
        StreamPosition position = NatsEnvelope.position(m);
        int n;
        if (position.isNone()) {
            n = plain.publish(channel, NatsEnvelope.payload(m)).toCompletableFuture().join().delivered();
        } else {
            synchronized (topicLock(channel)) {
                n = plain.publish(new Signal(channel, NatsEnvelope.payload(m), position));
            }
        }
        answerCount(m, n);
    }

    /** A message NATS gave this node for a queue group: one local member takes it, unless its origin served the group. */
    private void fromOtherNodeToGroup(NodeInterest interest, Message m) {
        String from = NatsEnvelope.origin(m);
        if (from == null || from.equals(origin) || NatsEnvelope.served(m, interest.servedKey)) return;
        String channel = channelOf(m);
        if (channel == null) return;
        answerCount(m, interest.deliver(new Signal(channel, NatsEnvelope.payload(m), NatsEnvelope.position(m))) ? 1 : 0);
    }

    private String channelOf(Message m) {
        try {
            String channel = subjects.channelOf(KIND, m.getSubject());
            return Subjects.channelError(channel) == null ? channel : null;
        } catch (RuntimeException notOurs) {
            return null;
        }
    }

    private void answerCount(Message m, int delivered) {
        if (delivered > 0 && m.getReplyTo() != null) {
            nats.publish(m.getReplyTo(), Integer.toString(delivered).getBytes(StandardCharsets.US_ASCII));
        }
    }

    // ---- history ------------------------------------------------------------------------------

    private static TopicPosition withResult(TopicPosition p, SubscribeResult r) {
        return new TopicPosition(p.recovered(), p.epoch(), p.offset(), p.firstOffset(), p.messages(), r);
    }

    /**
     * Where {@code topic} stands, for an answer that offers nothing. With JetStream unreachable it
     * answers as for a topic without history (empty epoch): the subscription itself does not need it.
     */
    private CompletionStage<TopicPosition> positionNow(String topic, Since since, SubscribeResult r) {
        if (!sharedHistory(topic)) return CompletableFuture.completedStage(new TopicPosition(since == null, "", 0, 1, List.of(), r));
        return historyQueue.read(() -> shared.read(topic, null, -1)).handle((p, e) -> e != null
                ? new TopicPosition(false, "", 0, 1, List.of(), r)
                : new TopicPosition(since == null, p.epoch(), p.offset(), p.firstOffset(), List.of(), r));
    }

    /**
     * A queue-group member asking for a topic's history gets it offered as a plain subscriber
     * would; unlike a plain one, a live message may reach it before the backlog ends.
     */
    private CompletionStage<TopicPosition> offerBacklog(Subscriber subscriber, String topic, Since since, SubscribeResult r) {
        if (!sharedHistory(topic)) return positionNow(topic, since, r);
        return historyQueue.read(() -> shared.read(topic, since, 0)).handle((p, e) -> e != null
                ? new TopicPosition(false, "", 0, 1, List.of(), r) // nothing offered: not recovered
                : offered(subscriber, p, r));
    }

    private static TopicPosition offered(Subscriber subscriber, TopicPosition p, SubscribeResult r) {
        for (Signal s : p.messages()) {
            if (!subscriber.accepts(s)) continue;
            if (!subscriber.offer(s)) {
                subscriber.evictSlow();
                break;
            }
        }
        return withResult(p, r);
    }

    @Override
    public CompletionStage<TopicPosition> history(String topic, Since since, int limit) {
        if (!sharedHistory(topic)) return CompletableFuture.completedStage(new TopicPosition(since == null, "", 0, 1, List.of(), null));
        return historyQueue.read(() -> shared.read(topic, since, limit));
    }

    @Override
    public boolean keepsHistory(String topic) {
        return histories.ruleFor(topic) != null;
    }

    // ---- node-local views ---------------------------------------------------------------------

    @Override
    public long skippedListeners() {
        return plain.skippedListeners() + groupsCannotCarry.sum();
    }

    @Override
    public TopicPresence presence(String pattern, int maxMembers) {
        return subscriptions.presence(pattern, maxMembers);
    }

    @Override
    public void onMembership(TopicMembership listener) {
        subscriptions.onMembership(listener);
    }

    @Override
    public List<Subscription> subscriptionsOf(Subscriber subscriber) {
        return subscriptions.subscriptionsOf(subscriber);
    }

    @Override
    public int subscriptionCount(Subscriber subscriber) {
        return subscriptions.subscriptionCount(subscriber);
    }

    @Override
    public List<ChannelListeners> channels() {
        return subscriptions.channels();
    }

    @Override
    public int indexSize() {
        return subscriptions.indexSize();
    }

    /** NATS subscriptions this node holds: one per (pattern, group) listened to here. */
    public int natsSubscriptions() {
        return interests.size();
    }

    /** True when {@code consumer} is the dispatcher that brings this broker other nodes' messages. */
    public boolean receivesWith(io.nats.client.Consumer consumer) {
        return consumer == dispatcher;
    }

    /** Messages from other nodes that NATS dropped because this node's dispatcher was over its pending limits. A metric. */
    public long droppedFromOtherNodes() {
        return dispatcher.getDroppedCount();
    }

    /** Messages from other nodes received and not yet fanned out here (bounded by the settings' pending limits). A metric. */
    public long pendingFromOtherNodes() {
        return dispatcher.getPendingMessageCount();
    }

    /** Counted publishes counted on this node only because the bound of waiting ones was reached. A metric. */
    public long countsRefused() {
        return remoteCounts.refused();
    }

    /** History publishes and reads waiting for JetStream now (at most the settings' {@code maxHistoryPending}). */
    public int historyPending() {
        return historyQueue == null ? 0 : historyQueue.pending();
    }

    /** History publishes and reads refused because {@code maxHistoryPending} already waited. */
    public long historyRefused() {
        return historyQueue == null ? 0 : historyQueue.refused();
    }

    /** Told {@code cluster_history_max_pending} each time a history operation is refused by that bound. */
    public void onLimitHit(java.util.function.Consumer<String> counter) {
        if (historyQueue != null) historyQueue.onLimitHit(counter);
    }

    /** This node instance's name in what it publishes. */
    public String origin() {
        return origin;
    }

    @Override
    public void close() {
        if (historyQueue != null) historyQueue.close();
        flushes.close();
        if (nats.getStatus() != Connection.Status.CLOSED) nats.closeDispatcher(dispatcher);
        if (ownClock != null) ownClock.close();
    }
}
