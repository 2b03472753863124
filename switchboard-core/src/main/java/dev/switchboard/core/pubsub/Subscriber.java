package dev.switchboard.core.pubsub;

import dev.switchboard.protocol.Payload;

/** Something that receives messages published on matching channels: a session's connection. */
public interface Subscriber {
    /**
     * Queues one message for delivery without blocking. Returns false when the subscriber's buffer
     * is full; the topic tree then evicts it (see {@link #evictSlow()}).
     */
    boolean offer(String channel, Payload payload);

    /**
     * {@link #offer(String, Payload)} of a signal made once for every subscriber of a publish, so
     * that a subscriber that encodes it shares the encoding with the others.
     */
    default boolean offer(Signal signal) {
        return offer(signal.channel(), signal.payload());
    }

    /** The subscriber fell too far behind; it is disconnected and its subscriptions dropped. */
    void evictSlow();
}
