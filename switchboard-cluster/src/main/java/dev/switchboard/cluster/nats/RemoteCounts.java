package dev.switchboard.cluster.nats;

import dev.switchboard.core.pubsub.PublishResult;
import io.nats.client.Dispatcher;
import io.nats.client.Message;
import io.netty.util.Timer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * The deliveries other nodes report for a counted publication ({@link NatsBroker#publishCounted}):
 * the publication carries a reply subject of this node's, each node that delivered it answers its
 * count there, and the sum is taken when the wait ends. The wait always runs to its end (the node
 * cannot know how many nodes will answer), so a late answer is not counted: a lower bound.
 *
 * <p>Bounded: at most {@code max} publications wait at once; past it a publication is not counted
 * remotely ({@link #refused()}), and answers for a publication no longer waiting are ignored.
 */
final class RemoteCounts {
    private final String inboxPrefix;
    private final int max;
    private final Timer timer;
    private final Map<Long, Waiter> waiting = new ConcurrentHashMap<>();
    private final AtomicInteger open = new AtomicInteger();
    private final AtomicLong ids = new AtomicLong();
    private final LongAdder refused = new LongAdder();

    RemoteCounts(Dispatcher dispatcher, String inboxPrefix, int max, Timer timer) {
        this.inboxPrefix = inboxPrefix;
        this.max = max;
        this.timer = timer;
        dispatcher.subscribe(inboxPrefix + ".*", this::answer);
    }

    /** One publication waiting for counts. */
    final class Waiter {
        final long id;
        final String replyTo;
        final CompletableFuture<PublishResult> result = new CompletableFuture<>();
        private final PublishResult local;
        private final LongAdder remote = new LongAdder();

        private Waiter(long id, PublishResult local) {
            this.id = id;
            this.replyTo = inboxPrefix + "." + id;
            this.local = local;
        }

        private void finish() {
            if (waiting.remove(id, this)) {
                open.decrementAndGet();
                long total = local.delivered() + remote.sum();
                result.complete(new PublishResult((int) Math.min(Integer.MAX_VALUE, total), local.position()));
            }
        }

        /** The publication never left: nothing to wait for. */
        void cancel() {
            if (waiting.remove(id, this)) open.decrementAndGet();
        }
    }

    /** A waiter ending after {@code within}, or null when {@code max} publications already wait. */
    Waiter start(PublishResult local, Duration within) {
        if (open.incrementAndGet() > max) {
            open.decrementAndGet();
            refused.increment();
            return null;
        }
        Waiter w = new Waiter(ids.incrementAndGet(), local);
        waiting.put(w.id, w);
        timer.newTimeout(t -> w.finish(), Math.max(1, within.toNanos()), TimeUnit.NANOSECONDS);
        return w;
    }

    private void answer(Message m) {
        String subject = m.getSubject();
        try {
            long id = Long.parseLong(subject.substring(subject.lastIndexOf('.') + 1));
            Waiter w = waiting.get(id);
            int n = Integer.parseInt(new String(m.getData(), StandardCharsets.US_ASCII));
            if (w != null && n > 0) w.remote.add(n);
        } catch (RuntimeException malformed) {
            // Not an answer of ours: ignored.
        }
    }

    /** Counted publications that were counted on this node only because {@code max} were waiting. */
    long refused() {
        return refused.sum();
    }

    int waiting() {
        return open.get();
    }
}
