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

    /**
     * Whether this subscriber's protocol can carry the signal at all. A dflockd listener cannot
     * carry a message that is not one line of text ({@link Signal#fitsDflockdLine()}): the topic
     * tree skips it for that message (not counted as delivered, not a slow consumer) and counts
     * the skip. Everyone else takes every message.
     */
    default boolean accepts(Signal signal) {
        return true;
    }

    /** The peer id of the session behind this subscriber ({@code topic.presence} lists them), or null when there is none. */
    default String peerId() {
        return null;
    }

    /** The subscriber fell too far behind; it is disconnected and its subscriptions dropped. */
    void evictSlow();
}
