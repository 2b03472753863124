package dev.switchboard.core.pubsub;

import dev.switchboard.protocol.Payload;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * The histories of the topics that keep one (configured by pattern, {@link HistoryRule}): each
 * message gets the next offset of its topic (1, 2, 3...) and the topic an epoch, a random string
 * made when its history starts, so that a client's position from before a restart, or from before
 * the topic's history was dropped, is recognised as belonging to another stream.
 *
 * <h2>Bounds</h2>
 * Each topic keeps at most its rule's size, and messages younger than its age. Node-wide, at most
 * {@code maxBytes} of messages (the oldest message of the node goes first, whatever its topic;
 * counted in {@link #bytesDrops()}) and at most {@code maxTopics} topics: a new topic past the cap
 * makes the node forget the topic used least recently (its history and epoch; counted in
 * {@link #topicDrops()}), whose next message starts a new epoch.
 *
 * <h2>Locks</h2>
 * One lock ({@code this}) guards the topics map, every topic's entries and the node-wide queue,
 * held for bookkeeping only. A topic's own monitor is held around a publish's append and fan-out,
 * and around a subscription's backlog and addition, so that a subscriber starting from an offset
 * gets each message exactly once, in the backlog or live, in order. Order: topic, then this.
 */
public final class TopicHistories {
    /**
     * What the node's options say: the rules, {@code --topic-history-max-bytes} and
     * {@code --topic-history-max-topics} (0 = no cap).
     */
    public record Settings(List<HistoryRule> rules, long maxBytes, int maxTopics) {
        public static final Settings NONE = new Settings(List.of(), 0, 0);

        public Settings {
            rules = List.copyOf(rules);
            if (maxBytes < 0 || maxTopics < 0) throw new IllegalArgumentException("topic history caps must not be negative");
        }
    }

    private final List<HistoryRule> rules;
    private final long maxBytes;
    private final int maxTopics;
    private final LongSupplier clockMillis;
    /** By topic, least recently used first. */
    private final LinkedHashMap<String, TopicLog> logs = new LinkedHashMap<>(16, 0.75f, true);
    /** Every kept entry of the node, oldest first, with shells of entries dropped since (compacted now and then). */
    private final ArrayDeque<TopicLog.Entry> oldestFirst = new ArrayDeque<>();
    private int shells;
    private long bytes;
    private long kept;
    private long bytesDrops;
    private long topicDrops;

    /**
     * @param maxBytes  node-wide bytes of kept messages; 0 = no cap
     * @param maxTopics topics with a history; 0 = no cap
     */
    public TopicHistories(List<HistoryRule> rules, long maxBytes, int maxTopics, LongSupplier clockMillis) {
        this.rules = List.copyOf(rules);
        this.maxBytes = maxBytes;
        this.maxTopics = maxTopics;
        this.clockMillis = clockMillis;
    }

    public TopicHistories(Settings settings, LongSupplier clockMillis) {
        this(settings.rules(), settings.maxBytes(), settings.maxTopics(), clockMillis);
    }

    /** No topic keeps a history. */
    public static TopicHistories none() {
        return new TopicHistories(Settings.NONE, System::currentTimeMillis);
    }

    /** The rule of {@code topic}, or null when it keeps no history. */
    public HistoryRule ruleFor(String topic) {
        for (HistoryRule r : rules) {
            if (r.matches(topic)) return r;
        }
        return null;
    }

    public boolean enabled() {
        return !rules.isEmpty();
    }

    /** The rules, in their order (a cluster engine keeps one stream per rule). */
    public List<HistoryRule> rules() {
        return rules;
    }

    /** {@code --topic-history-max-bytes}; 0 = no cap. */
    public long maxBytes() {
        return maxBytes;
    }

    /** The topic's log, made when missing (forgetting the least used topic past the cap); null without a rule. */
    TopicLog log(String topic) {
        HistoryRule rule = ruleFor(topic);
        if (rule == null) return null;
        synchronized (this) {
            TopicLog log = logs.get(topic);
            if (log != null) return log;
            if (maxTopics > 0 && logs.size() >= maxTopics) {
                Iterator<TopicLog> eldest = logs.values().iterator();
                TopicLog gone = eldest.next();
                eldest.remove();
                forget(gone);
                topicDrops++;
            }
            log = new TopicLog(topic, rule);
            logs.put(topic, log);
            return log;
        }
    }

    /** The topic's log if it has one now, without making it. */
    synchronized TopicLog existing(String topic) {
        return logs.get(topic);
    }

    /**
     * Appends a message to {@code log} (the caller holds the log's monitor) and returns the signal
     * to fan out, or null when the log was forgotten meanwhile (look it up again).
     */
    synchronized Signal append(TopicLog log, Payload payload) {
        if (log.forgotten) return null;
        long now = clockMillis.getAsLong();
        TopicLog.Entry e = new TopicLog.Entry(log, ++log.lastOffset, now, payload);
        log.entries.addLast(e);
        oldestFirst.addLast(e);
        bytes += e.bytes;
        kept++;
        trim(log, now);
        while (maxBytes > 0 && bytes > maxBytes && kept > 1) {
            dropOldestOfNode();
            bytesDrops++;
        }
        compactIfNeeded();
        return new Signal(log.topic, payload, new StreamPosition(e.offset, log.epoch));
    }

    /** What a reader gets: the kept messages after {@code afterOffset}, oldest first, at most {@code limit} (0 = all). */
    synchronized List<Signal> after(TopicLog log, long afterOffset, int limit) {
        trim(log, clockMillis.getAsLong());
        List<Signal> out = new ArrayList<>();
        for (TopicLog.Entry e : log.entries) {
            if (e.offset <= afterOffset) continue;
            out.add(new Signal(log.topic, e.payload, new StreamPosition(e.offset, log.epoch)));
            if (limit > 0 && out.size() >= limit) break;
        }
        return out;
    }

    /** The first offset still kept (or the next when none), after the age trim. */
    synchronized long firstAvailable(TopicLog log) {
        trim(log, clockMillis.getAsLong());
        return log.firstAvailable();
    }

    /** Drops what is over the topic's size and age; in this lock. */
    private void trim(TopicLog log, long now) {
        HistoryRule rule = log.rule;
        while (!log.entries.isEmpty()) {
            TopicLog.Entry first = log.entries.peekFirst();
            boolean tooMany = log.entries.size() > rule.size();
            boolean tooOld = rule.maxAgeMs() > 0 && now - first.atMillis > rule.maxAgeMs();
            if (!tooMany && !tooOld) return;
            log.entries.pollFirst();
            drop(first);
            shells++;
        }
    }

    private void dropOldestOfNode() {
        while (true) {
            TopicLog.Entry e = oldestFirst.pollFirst();
            if (e == null) return;
            if (e.dropped) {
                shells--;
                continue;
            }
            // The node's oldest kept entry is its topic's oldest.
            TopicLog.Entry head = e.log.entries.pollFirst();
            assert head == e : "node-wide order broken for " + e.log.topic;
            drop(e);
            return;
        }
    }

    private void forget(TopicLog log) {
        log.forgotten = true;
        for (TopicLog.Entry e : log.entries) {
            drop(e);
            shells++;
        }
        log.entries.clear();
    }

    private void drop(TopicLog.Entry e) {
        e.dropped = true;
        e.payload = null;
        bytes -= e.bytes;
        kept--;
    }

    /** Removes the shells of dropped entries once they outnumber the kept ones: amortised O(1) per message. */
    private void compactIfNeeded() {
        if (shells > 1024 && shells > oldestFirst.size() / 2) {
            oldestFirst.removeIf(x -> x.dropped);
            shells = 0;
        }
    }

    /** Bytes of messages kept over every topic. */
    public synchronized long bytes() {
        return bytes;
    }

    /** Topics with a history now. */
    public synchronized int topics() {
        return logs.size();
    }

    /** Messages dropped before their time because the node-wide byte cap was reached. */
    public synchronized long bytesDrops() {
        return bytesDrops;
    }

    /** Topics forgotten to make room for another (the topic cap). */
    public synchronized long topicDrops() {
        return topicDrops;
    }

    /** For tests and stats: the topics and their kept message counts. */
    synchronized Map<String, Integer> snapshot() {
        Map<String, Integer> m = new LinkedHashMap<>();
        logs.forEach((t, l) -> m.put(t, l.entries.size()));
        return m;
    }
}
