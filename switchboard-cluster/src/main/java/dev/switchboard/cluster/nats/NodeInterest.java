package dev.switchboard.cluster.nats;

import dev.switchboard.core.pubsub.Signal;
import dev.switchboard.core.pubsub.Subscriber;
import dev.switchboard.protocol.Payload;
import io.nats.client.Subscription;
import java.util.HashSet;
import java.util.Set;
import java.util.function.Consumer;
import java.util.concurrent.atomic.LongAdder;

/**
 * This node's interest in one (pattern, group): its local subscribers and the one NATS subscription
 * they share, opened with the first and closed with the last. Changes happen under the object's
 * monitor; once {@link #retired} it is out of the broker's map for good and a caller starts again
 * with a new one.
 *
 * <p>For a queue group it is also a subscriber of the broker's group index (plainly, on the
 * pattern): offering it a message hands it to one local member and reports the group as served by
 * this node. That lets one tree walk find every local group a publication matches.
 */
final class NodeInterest implements Subscriber {
    final String pattern;
    final String group;
    /** The group's name in the {@link NatsEnvelope#SERVED} header; null for plain interest. */
    final String servedKey;
    final Set<Subscriber> members = new HashSet<>();
    final LocalQueueGroup queue;
    private final LongAdder cannotCarry;
    private final Consumer<String> served;
    Subscription nats;
    boolean retired;

    NodeInterest(String pattern, String group, LongAdder cannotCarry, Consumer<String> served) {
        this.pattern = pattern;
        this.group = group;
        this.cannotCarry = cannotCarry;
        this.served = served;
        boolean grouped = !group.isEmpty();
        this.servedKey = grouped ? NatsEnvelope.groupKey(pattern, group) : null;
        this.queue = grouped ? new LocalQueueGroup() : null;
    }

    boolean grouped() {
        return queue != null;
    }

    /** Hands a message to one local member of the group; true when one took it. */
    boolean deliver(Signal signal) {
        return queue.deliver(signal, cannotCarry);
    }

    /** A local publication reaching the group index: this node serves the group itself. */
    @Override
    public boolean offer(Signal signal) {
        served.accept(servedKey);
        return deliver(signal);
    }

    @Override
    public boolean offer(String channel, Payload payload) {
        return offer(new Signal(channel, payload));
    }

    /** The group index's eviction of an interest whose members all refused: the member was evicted already. */
    @Override
    public void evictSlow() {
    }

    @Override
    public String toString() {
        return "interest " + pattern + (grouped() ? " group " + group : "");
    }
}
