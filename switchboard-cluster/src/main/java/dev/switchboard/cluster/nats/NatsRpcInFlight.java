package dev.switchboard.cluster.nats;

import dev.switchboard.protocol.ErrorCode;
import dev.switchboard.protocol.Reply;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;

/** The node's bound on calls out on NATS at once (a request-many counts as one): {@link NatsRpcSettings#maxInFlight()}. */
final class NatsRpcInFlight {
    private final int max;
    private final Consumer<String> limitHits;
    private final AtomicInteger now = new AtomicInteger();
    private final LongAdder hits = new LongAdder();

    NatsRpcInFlight(int max, Consumer<String> limitHits) {
        this.max = max;
        this.limitHits = limitHits;
    }

    /** Takes a place; false (counted, reported) when all are taken. */
    boolean acquire() {
        if (now.incrementAndGet() <= max) return true;
        now.decrementAndGet();
        hits.increment();
        limitHits.accept(NatsRpcSettings.LIMIT);
        return false;
    }

    void release() {
        now.decrementAndGet();
    }

    /** What a call refused by the bound gets. */
    Reply refusal() {
        return Reply.error(ErrorCode.TOO_MANY_REQUESTS, "this node has " + max + " calls out to other nodes already ("
                + NatsRpcSettings.OPTION + "); try again later");
    }

    int now() {
        return now.get();
    }

    long hits() {
        return hits.sum();
    }
}
