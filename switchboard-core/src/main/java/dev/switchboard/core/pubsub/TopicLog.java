package dev.switchboard.core.pubsub;

import dev.switchboard.protocol.Payload;
import java.security.SecureRandom;
import java.util.ArrayDeque;
import java.util.HexFormat;

/**
 * One topic's history: its epoch, its last offset and the messages it still keeps, oldest first.
 * Its entries change only under the {@link TopicHistories} lock; its own monitor orders a publish's
 * fan-out against a subscription's backlog (see {@link TopicHistories}).
 */
final class TopicLog {
    private static final SecureRandom RANDOM = new SecureRandom();

    /** One kept message. {@code dropped} once it left the history (its payload is then let go). */
    static final class Entry {
        final TopicLog log;
        final long offset;
        final long atMillis;
        final int bytes;
        Payload payload;
        boolean dropped;

        Entry(TopicLog log, long offset, long atMillis, Payload payload) {
            this.log = log;
            this.offset = offset;
            this.atMillis = atMillis;
            this.payload = payload;
            this.bytes = payload.size() + log.topic.length() + 64;
        }
    }

    final String topic;
    final HistoryRule rule;
    final String epoch;
    final ArrayDeque<Entry> entries = new ArrayDeque<>();
    long lastOffset;
    /** Forgotten to make room for another topic: a caller holding it looks the topic up again. */
    boolean forgotten;

    TopicLog(String topic, HistoryRule rule) {
        this.topic = topic;
        this.rule = rule;
        byte[] b = new byte[8];
        RANDOM.nextBytes(b);
        this.epoch = HexFormat.of().formatHex(b);
    }

    StreamPosition last() {
        return lastOffset == 0 ? StreamPosition.NONE : new StreamPosition(lastOffset, epoch);
    }

    /** The oldest offset still kept, or the next one when nothing is kept. */
    long firstAvailable() {
        Entry first = entries.peekFirst();
        return first == null ? lastOffset + 1 : first.offset;
    }
}
