package dev.switchboard.cluster.nats;

import dev.switchboard.core.pubsub.TopicHistories;
import java.time.Duration;

/**
 * What a {@link NatsBroker} is built with.
 *
 * @param maxSubscriptionsPerSubscriber the cap on one subscriber's subscriptions; 0 = none
 * @param histories                     the topics that keep a history (kept in JetStream, see docs/cluster.md)
 * @param maxPendingMessages            messages from other nodes waiting for this node's NATS dispatcher
 *                                      thread before NATS drops the next ones ({@link NatsBroker#droppedFromOtherNodes()});
 *                                      also the live messages one subscriber resuming a topic's history may
 *                                      have held while its backlog is read (past it, it is evicted as slow)
 * @param maxPendingBytes               the same bound in bytes
 * @param natsTimeout                   how long a subscribe or unsubscribe waits for NATS to confirm
 *                                      before its stage fails, and each JetStream call of a topic history
 * @param maxCountedPublishes           counted publishes ({@link NatsBroker#publishCounted}) waiting for
 *                                      other nodes' counts at once; past it, one counts this node only
 * @param maxOrigins                    other node instances whose last sequence number is remembered
 * @param maxHistoryPending             history publishes and reads waiting for JetStream at once; one more
 *                                      fails at once ({@link HistoryBacklogFullException})
 */
public record NatsBrokerSettings(int maxSubscriptionsPerSubscriber, TopicHistories histories, int maxPendingMessages,
                                 long maxPendingBytes, Duration natsTimeout, int maxCountedPublishes, int maxOrigins,
                                 int maxHistoryPending) {
    public static final int DEFAULT_PENDING_MESSAGES = 65_536;
    public static final long DEFAULT_PENDING_BYTES = 64L << 20;
    public static final Duration DEFAULT_NATS_TIMEOUT = Duration.ofSeconds(2);
    public static final int DEFAULT_COUNTED_PUBLISHES = 10_000;
    public static final int DEFAULT_ORIGINS = 4_096;
    public static final int DEFAULT_HISTORY_PENDING = 10_000;
    public static final String HISTORY_PENDING_OPTION = "--cluster-history-max-pending";

    public NatsBrokerSettings {
        if (maxSubscriptionsPerSubscriber < 0) throw new IllegalArgumentException("maxSubscriptionsPerSubscriber must not be negative");
        if (histories == null) throw new IllegalArgumentException("histories must not be null");
        if (maxPendingMessages <= 0 || maxPendingBytes <= 0) throw new IllegalArgumentException("pending limits must be positive");
        if (natsTimeout == null || natsTimeout.isNegative() || natsTimeout.isZero()) throw new IllegalArgumentException("natsTimeout must be positive");
        if (maxCountedPublishes < 0) throw new IllegalArgumentException("maxCountedPublishes must not be negative");
        if (maxOrigins <= 0) throw new IllegalArgumentException("maxOrigins must be positive");
        if (maxHistoryPending <= 0) throw new IllegalArgumentException("maxHistoryPending must be positive");
    }

    /** With the default bound on history operations waiting for JetStream. */
    public NatsBrokerSettings(int maxSubscriptionsPerSubscriber, TopicHistories histories, int maxPendingMessages,
                              long maxPendingBytes, Duration natsTimeout, int maxCountedPublishes, int maxOrigins) {
        this(maxSubscriptionsPerSubscriber, histories, maxPendingMessages, maxPendingBytes, natsTimeout, maxCountedPublishes,
                maxOrigins, DEFAULT_HISTORY_PENDING);
    }

    /** The defaults, with the core's cap and histories. */
    public static NatsBrokerSettings defaults(int maxSubscriptionsPerSubscriber, TopicHistories histories) {
        return new NatsBrokerSettings(maxSubscriptionsPerSubscriber, histories, DEFAULT_PENDING_MESSAGES,
                DEFAULT_PENDING_BYTES, DEFAULT_NATS_TIMEOUT, DEFAULT_COUNTED_PUBLISHES, DEFAULT_ORIGINS);
    }

    public NatsBrokerSettings withPending(int messages, long bytes) {
        return new NatsBrokerSettings(maxSubscriptionsPerSubscriber, histories, messages, bytes, natsTimeout,
                maxCountedPublishes, maxOrigins, maxHistoryPending);
    }

    public NatsBrokerSettings withNatsTimeout(Duration timeout) {
        return new NatsBrokerSettings(maxSubscriptionsPerSubscriber, histories, maxPendingMessages, maxPendingBytes,
                timeout, maxCountedPublishes, maxOrigins, maxHistoryPending);
    }

    public NatsBrokerSettings withHistoryPending(int max) {
        return new NatsBrokerSettings(maxSubscriptionsPerSubscriber, histories, maxPendingMessages, maxPendingBytes,
                natsTimeout, maxCountedPublishes, maxOrigins, max);
    }

    public NatsBrokerSettings withCountedPublishes(int max) {
        return new NatsBrokerSettings(maxSubscriptionsPerSubscriber, histories, maxPendingMessages, maxPendingBytes,
                natsTimeout, max, maxOrigins, maxHistoryPending);
    }
}
