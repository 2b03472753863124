package dev.switchboard.cluster.nats;

import io.nats.client.Dispatcher;
import io.nats.client.MessageHandler;
import io.nats.client.Subscription;
import java.util.HashMap;
import java.util.Map;

/**
 * This node's NATS subscriptions for the names it serves: one per (pattern, group) however many
 * local members share it, held while at least one does. The subject is
 * {@code <prefix>.rpc.<pattern>}; the NATS queue group is the service group (encoded as one
 * token), or {@value #UNGROUPED} for registrations without one, so that NATS hands each request
 * to one node per service and that node picks its local member. For request-many, each pattern
 * is also subscribed on {@code <prefix>.rpcmany.<pattern>} without a queue group, so that every
 * node serving it answers for its own members.
 */
final class NatsRpcSubscriptions {
    /** The queue group of registrations without a group; no encoded group can spell it ('%' is always escaped). */
    static final String UNGROUPED = "%none";
    /** The subject kind of request-many: {@code <prefix>.rpcmany.<pattern>}. */
    static final String MANY = "rpcmany";

    private final NatsSubjects subjects;
    private final Dispatcher dispatcher;
    private final MessageHandler handler;
    private final MessageHandler manyHandler;
    private final Map<Key, Held> held = new HashMap<>(); // guarded by this
    /** Request-many: every node serving a pattern gets it (no queue group), one subscription per pattern. */
    private final Map<String, Held> heldMany = new HashMap<>(); // guarded by this

    private record Key(String pattern, String group) {
    }

    private static final class Held {
        final Subscription subscription;
        int count;

        Held(Subscription subscription) {
            this.subscription = subscription;
        }
    }

    NatsRpcSubscriptions(NatsSubjects subjects, Dispatcher dispatcher, MessageHandler handler,
                         MessageHandler manyHandler) {
        this.subjects = subjects;
        this.dispatcher = dispatcher;
        this.handler = handler;
        this.manyHandler = manyHandler;
    }

    static String queueOf(String group) {
        return group == null || group.isEmpty() ? UNGROUPED : NatsSubjects.encodeToken(group, true);
    }

    /** One more local member serves {@code pattern} in {@code group}: subscribed if it is the first. */
    synchronized void hold(String pattern, String group) {
        Held h = held.computeIfAbsent(new Key(pattern, group),
                k -> new Held(dispatcher.subscribe(subjects.subject("rpc", pattern), queueOf(group), handler)));
        h.count++;
        heldMany.computeIfAbsent(pattern, p -> new Held(dispatcher.subscribe(subjects.subject(MANY, p), manyHandler))).count++;
    }

    /** One local member less: unsubscribed when it was the last. */
    synchronized void release(String pattern, String group) {
        Key k = new Key(pattern, group);
        Held h = held.get(k);
        if (h == null) return;
        if (--h.count == 0) {
            held.remove(k);
            if (dispatcher.isActive()) dispatcher.unsubscribe(h.subscription);
        }
        Held m = heldMany.get(pattern);
        if (m != null && --m.count == 0) {
            heldMany.remove(pattern);
            if (dispatcher.isActive()) dispatcher.unsubscribe(m.subscription);
        }
    }

    /** Subscriptions held now, for single calls (for tests: nothing is left behind). */
    synchronized int size() {
        return held.size();
    }

    /** Subscriptions held now, for request-many (one per pattern). */
    synchronized int manySize() {
        return heldMany.size();
    }
}
