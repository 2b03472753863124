package dev.switchboard.core.pubsub;

import dev.switchboard.core.Dispatcher;
import dev.switchboard.core.identity.Permission;
import dev.switchboard.core.session.Permissions;
import dev.switchboard.core.session.Request;
import dev.switchboard.core.session.Session;
import dev.switchboard.protocol.ErrorCode;
import dev.switchboard.protocol.ProtocolException;
import dev.switchboard.protocol.Reply;
import dev.switchboard.protocol.Subjects;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArraySet;
import java.util.concurrent.Executor;
import java.util.function.Consumer;

/**
 * Topic join/leave events on request, as Centrifugo's per-channel join and leave messages:
 * {@code topic.presence.subscribe {topic}} makes the session hear {@code topic.join} and
 * {@code topic.leave} {topic, peer} each time a subscription of exactly that topic (or pattern, as
 * subscribed) is added or removed, until {@code topic.presence.unsubscribe {topic}} or the
 * session's end. One watch per session and topic (a second subscribe is the same watch).
 *
 * <p>A subscribe or unsubscribe finds the topic's watchers with one map lookup and only queues an
 * event for each: it never walks the topic's subscribers and never waits for a watcher.
 */
public final class TopicWatches implements TopicMembership {
    public static final String JOIN_EVENT = "topic.join";
    public static final String LEAVE_EVENT = "topic.leave";
    public static final String RESYNC_EVENT = "topic.presence.resync";
    public static final int DEFAULT_MAX_WATCHES_PER_SESSION = 16;
    public static final String MAX_WATCHES_LIMIT = "topic_presence_max_watches_per_session";
    /** Shared with presence watches: a watcher that falls this far behind gets a resync. */
    public static final String MAX_QUEUED_LIMIT = "presence_max_queued_per_watch";

    private final Broker broker;
    private final Executor drains;
    private volatile int maxWatchesPerSession = DEFAULT_MAX_WATCHES_PER_SESSION;
    private volatile int maxQueuedPerWatch = 4096;
    private volatile Consumer<String> limitHits = limit -> { };
    /** The watches of each topic (as subscribed); a topic nobody watches has no entry. */
    private final Map<String, Set<TopicWatch>> byTopic = new ConcurrentHashMap<>();
    /** Each session's watches, by topic; a session with none has no entry. */
    private final Map<Session, Map<String, TopicWatch>> bySession = new ConcurrentHashMap<>();

    /** {@code drains} hands events to sessions (their emit never blocks, so a shared pool is fine). */
    public TopicWatches(Broker broker, Executor drains) {
        this.broker = broker;
        this.drains = drains;
        broker.onMembership(this);
    }

    /** The bounds of later watches (before the node serves). */
    public void settings(int maxWatchesPerSession, int maxQueuedPerWatch) {
        if (maxWatchesPerSession < 1 || maxQueuedPerWatch < 1) throw new IllegalArgumentException("bounds must be at least 1");
        this.maxWatchesPerSession = maxWatchesPerSession;
        this.maxQueuedPerWatch = maxQueuedPerWatch;
    }

    /** Told the limit's name each time a bound is hit. */
    public void onLimitHit(Consumer<String> counter) {
        this.limitHits = counter;
    }

    public void registerWith(Dispatcher dispatcher) {
        dispatcher.register("topic.presence.subscribe", this::subscribe);
        dispatcher.register("topic.presence.unsubscribe", this::unsubscribe);
    }

    /** Watches open on the node (for gauges and for tests that check nothing is left behind). */
    public int watchCount() {
        return bySession.values().stream().mapToInt(Map::size).sum();
    }

    private void subscribe(Request req) {
        Session s = req.session();
        String topic = topic(req);
        Map<String, TopicWatch> mine = bySession.computeIfAbsent(s, k -> new ConcurrentHashMap<>());
        TopicWatch watch;
        synchronized (mine) {
            watch = mine.get(topic);
            boolean fresh = watch == null;
            if (fresh) {
                if (mine.size() >= maxWatchesPerSession) {
                    limitHits.accept(MAX_WATCHES_LIMIT);
                    throw new ProtocolException(ErrorCode.TOO_MANY_REQUESTS, "the session watches " + maxWatchesPerSession
                            + " topics' joins and leaves already (--topic-presence-max-watches-per-session)");
                }
                watch = new TopicWatch(topic, s::emit, drains, maxQueuedPerWatch, () -> broker.presence(topic, 0).count(),
                        () -> limitHits.accept(MAX_QUEUED_LIMIT));
                mine.put(topic, watch);
                TopicWatch added = watch;
                byTopic.compute(topic, (t, set) -> {
                    Set<TopicWatch> out = set == null ? new CopyOnWriteArraySet<>() : set;
                    out.add(added);
                    return out;
                });
            }
            // Read after the watch is in place: every change from here on comes as an event.
            req.reply(Reply.ok(Map.of("count", (long) broker.presence(topic, 0).count())));
            if (fresh) watch.start();
        }
        if (s.isClosed()) ended(s); // it ended meanwhile: leave nothing behind
    }

    private void unsubscribe(Request req) {
        String topic = topic(req);
        Map<String, TopicWatch> mine = bySession.get(req.session());
        TopicWatch watch = mine == null ? null : mine.remove(topic);
        if (watch == null) throw new ProtocolException(ErrorCode.INVALID_ARGUMENT, "this session does not watch " + topic);
        forget(topic, watch);
        bySession.computeIfPresent(req.session(), (k, m) -> m.isEmpty() ? null : m);
        req.reply(Reply.ok(Map.of()));
    }

    /** The session ended: its watches close. */
    public void ended(Session s) {
        Map<String, TopicWatch> mine = bySession.remove(s);
        if (mine == null) return;
        synchronized (mine) {
            mine.forEach(this::forget);
            mine.clear();
        }
    }

    private void forget(String topic, TopicWatch watch) {
        watch.close();
        byTopic.computeIfPresent(topic, (t, set) -> {
            set.remove(watch);
            return set.isEmpty() ? null : set;
        });
    }

    @Override
    public void joined(String pattern, Subscriber subscriber) {
        tell(pattern, subscriber, JOIN_EVENT);
    }

    @Override
    public void left(String pattern, Subscriber subscriber) {
        tell(pattern, subscriber, LEAVE_EVENT);
    }

    private void tell(String pattern, Subscriber subscriber, String event) {
        Set<TopicWatch> watchers = byTopic.get(pattern);
        if (watchers == null) return;
        String peer = subscriber.peerId();
        if (peer == null) return; // not a session's (nothing to name it by)
        for (TopicWatch w : watchers) w.changed(event, peer);
    }

    /** The {@code topic} field (a topic, or a pattern as subscribed), and the permission to see who subscribes to it. */
    private static String topic(Request req) {
        String topic = req.frame().key("topic");
        String problem = Subjects.patternError(topic);
        if (problem != null) throw SignalOps.invalid("topic: " + problem);
        Permissions.require(req.session(), Permission.SUBSCRIBE, topic);
        return topic;
    }
}
